#include "FuzzDriver.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));

int graphprune_fuzz_run(int argc, char **argv, graphprune_fuzz_test test) {
    return LLVMFuzzerRunDriver(&argc, &argv, test);
}
