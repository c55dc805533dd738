// SR_CPU_HOT marks the CPU loops that carry training time: GCC compiles each for AVX-512, AVX2 and
// baseline x86-64 and picks one at load time, so one binary runs everywhere and uses the vector
// width the machine has. Off under the sanitizers (their runtimes and ifunc resolution do not mix).
// GCC contracts a*b+c into FMA in C++ by default, so the AVX2/AVX-512 clones round differently from
// the baseline one (and `omp simd` reductions sum in clone-width order): results are reproducible
// run to run on one machine, not bit-identical across machines of different vector widths.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define SR_CPU_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SR_CPU_HOT
#endif
