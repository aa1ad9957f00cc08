"""Workloads 4 and 5 peers: Keras (TensorFlow-CPU) training of the CenSET MLP on FashionMNIST,
dense, with masked sparse layers, and one CenSET epoch in the CenSET code's style.

Import this module only after `configure_threads` has been decided: TensorFlow fixes its thread
pools when it first runs an op.
"""

import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
import networkit as nk  # noqa: E402

from inputs import fashion_path, read_idx  # noqa: E402


def configure_threads(threads):
    """intra-op = inter-op = `threads` (TensorFlow), NetworKit's OpenMP threads likewise."""
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    nk.setNumberOfThreads(threads)


def load_fashion(directory):
    """FashionMNIST as float32 (x / 255), standardised per pixel with the training set's mean and
    std (a std of 0 divides by 1), as the toolkit and the CenSET code do."""
    def images(name):
        return read_idx(fashion_path(directory, name)).reshape(-1, 784).astype(np.float32) / 255

    x_train, x_test = images("train-images-idx3-ubyte"), images("t10k-images-idx3-ubyte")
    y_train = read_idx(fashion_path(directory, "train-labels-idx1-ubyte")).astype(np.int64)
    y_test = read_idx(fashion_path(directory, "t10k-labels-idx1-ubyte")).astype(np.int64)
    mean = x_train.mean(axis=0, dtype=np.float64)
    std = x_train.std(axis=0, dtype=np.float64)
    std[std == 0] = 1
    standardize = lambda x: ((x - mean) / std).astype(np.float32)  # noqa: E731
    return standardize(x_train), y_train, standardize(x_test), y_test


class MaskedDense(keras.layers.Layer):
    """A dense layer whose kernel (in × out, Keras orientation) is multiplied by a fixed 0/1 mask
    in every call, so absent connections neither act nor learn (the CenSET/SET Keras style)."""

    def __init__(self, units, mask, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.initial_mask = np.asarray(mask, dtype=np.float32)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        shape = (input_shape[-1], self.units)
        self.kernel = self.add_weight(shape=shape, initializer="glorot_uniform", name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        self.mask = self.add_weight(
            shape=shape, initializer=keras.initializers.Constant(self.initial_mask), trainable=False, name="mask")

    def call(self, x):
        return self.activation(keras.ops.matmul(x, self.kernel * self.mask) + self.bias)


def erdos_renyi_masks(sizes, epsilon, seed):
    """SET's masks for every hidden layer: position kept with probability ε(n_in + n_out)/(n_in·n_out),
    Keras orientation (in × out)."""
    rng = np.random.default_rng(seed)
    return [
        (rng.random((n_in, n_out)) < min(1.0, epsilon * (n_in + n_out) / (n_in * n_out))).astype(np.float32)
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1])
    ]


def mlp(sizes, dropout, masks=None, seed=0):
    """ReLU MLP (e.g. 784-256-128-100-10), dropout after every hidden layer, softmax output;
    hidden layers masked when `masks` is given; SGD(0.01, momentum 0.9), sparse categorical
    cross-entropy. The optimiser is built, so its state can be saved and restored."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((sizes[0],))
    x = inputs
    for k, units in enumerate(sizes[1:-1]):
        x = (MaskedDense(units, masks[k], activation="relu") if masks is not None
             else keras.layers.Dense(units, activation="relu"))(x)
        x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(sizes[-1], activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)
    return model


class EpochTrainer:
    """One model kept across repetitions: traced once (a warm-up on 1,000 samples), then every
    repetition restores the initial weights and optimiser state and trains one full epoch."""

    def __init__(self, data, sizes, dropout, masks=None, seed=0):
        self.data = data
        self.model = mlp(sizes, dropout, masks, seed)
        self.weights = self.model.get_weights()
        self.optimizer_state = [v.numpy() for v in self.model.optimizer.variables]
        x, y, xt, yt = data
        self.model.fit(x[:1000], y[:1000], batch_size=100, epochs=1, verbose=0,
                       validation_data=(xt[:1000], yt[:1000]))

    def epoch(self):
        """Seconds of `fit(epochs=1, batch_size=100, validation_data=test)` and the test accuracy."""
        self.model.set_weights(self.weights)
        for variable, value in zip(self.model.optimizer.variables, self.optimizer_state):
            variable.assign(value)
        x, y, xt, yt = self.data
        started = time.perf_counter()
        history = self.model.fit(x, y, batch_size=100, epochs=1, shuffle=True, verbose=0, validation_data=(xt, yt))
        return time.perf_counter() - started, float(history.history["val_accuracy"][-1])


def censet_epoch(data, sizes, dropout, epsilon, k, seed):
    """One CenSET epoch as the CenSET code runs it, from a fresh Erdős–Rényi network: build and
    compile the masked model (the code rebuilds it every epoch), fit one epoch with the test set
    as validation, build the directed graph source → target of the nonzero signed masked weights
    of the hidden layers' kernels (input, hidden layers; output layer excluded) in NetworKit,
    `LaplacianCentrality(normalized=False)`, remove every connection of the neurons with
    LC < mean − k·std (population std over all nodes), and regrow each layer at random empty
    positions (weight 0) up to its initial count. Returns (seconds of each step, test accuracy,
    connections removed)."""
    keras.backend.clear_session()
    steps = {}
    started = time.perf_counter()
    masks = erdos_renyi_masks(sizes, epsilon, seed)
    targets = [int(m.sum()) for m in masks]
    model = mlp(sizes, dropout, masks, seed)
    steps["build+compile"] = time.perf_counter() - started

    x, y, xt, yt = data
    mark = time.perf_counter()
    history = model.fit(x, y, batch_size=100, epochs=1, shuffle=True, verbose=0, validation_data=(xt, yt))
    steps["fit"] = time.perf_counter() - mark

    mark = time.perf_counter()
    layers = [layer for layer in model.layers if isinstance(layer, MaskedDense)]
    kernels = [(layer.kernel.numpy() * layer.mask.numpy()) for layer in layers]
    offsets = np.concatenate([[0], np.cumsum(sizes[:-1])])
    sources, destinations, weights = [], [], []
    for l, kernel in enumerate(kernels):
        i, j = np.nonzero(kernel)
        sources.append(i + offsets[l])
        destinations.append(j + offsets[l + 1])
        weights.append(kernel[i, j].astype(np.float64))
    g = nk.Graph(int(offsets[-1]), weighted=True, directed=True)
    g.addEdges((np.concatenate(weights), (np.concatenate(sources), np.concatenate(destinations))))
    centrality = nk.centrality.LaplacianCentrality(g, normalized=False)
    centrality.run()
    scores = np.asarray(centrality.scores())
    steps["graph+centrality"] = time.perf_counter() - mark

    mark = time.perf_counter()
    below = scores < scores.mean() - k * scores.std()
    rng = np.random.default_rng(seed + 1)
    removed = 0
    for l, layer in enumerate(layers):
        mask = layer.mask.numpy()
        kernel = kernels[l]
        before = int(mask.sum())
        mask[below[offsets[l]:offsets[l + 1]], :] = 0
        mask[:, below[offsets[l + 1]:offsets[l + 1] + mask.shape[1]]] = 0
        removed += before - int(mask.sum())
        empty = np.flatnonzero(mask == 0)
        grow = rng.choice(empty, size=targets[l] - int(mask.sum()), replace=False)
        mask.flat[grow] = 1
        kernel = kernel * mask
        kernel.flat[grow] = 0
        layer.mask.assign(mask)
        layer.kernel.assign(kernel)
    steps["rewiring"] = time.perf_counter() - mark
    return steps, float(history.history["val_accuracy"][-1]), removed


def uses_xla(model):
    """Whether Keras compiled the training step with XLA (jit_compile resolved)."""
    return bool(getattr(model, "jit_compile", False))
