// SR_CPU_HOT marks the CPU loops that carry training time: GCC compiles each for AVX-512, AVX2 and
// baseline x86-64 and picks one at load time, so one binary runs everywhere and uses the vector
// width the machine has. Off under the sanitizers (their runtimes and ifunc resolution do not mix).
// Contraction into FMA stays off (ISO C++ mode), so results do not depend on the chosen clone
// except through the width of `omp simd` reductions.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define SR_CPU_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SR_CPU_HOT
#endif
