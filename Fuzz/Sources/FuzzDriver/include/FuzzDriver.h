// libFuzzer's driver, started from a target's own entry point: SwiftPM links an executable
// target's entry as `<Target>_main`, so each target defines that function and hands its test
// function to libFuzzer here.
#include <stddef.h>
#include <stdint.h>

typedef int (*graphprune_fuzz_test)(const uint8_t *data, size_t size);

/// Runs libFuzzer (`LLVMFuzzerRunDriver`) with the process's arguments on `test`.
int graphprune_fuzz_run(int argc, char **argv, graphprune_fuzz_test test);
