// The project's one way to launch a kernel. Kernel files never write <<< >>>: they call
// sr::SR_KERNEL_NS::launch, which is the triple-chevron launch on the op's stream plus an error check
// on a GPU build and a run on the host on the emulator build, so every file under kernels/cuda/
// compiles unchanged both ways; it counts the launch (Backend::counters).
#pragma once

#include <tuple>
#include <type_traits>
#include <utility>

#include "kernels/cuda/runtime.h"

namespace sr::SR_KERNEL_NS {

// `name` must be the kernel function's name: the emulator reports errors under it, and the
// coverage test matches it against the __global__ functions defined in kernels/cuda/.
// A grid with no blocks is no work and launches nothing (CUDA would reject it).
template <class... KArgs, class... Args>
void launch(const char* name, void (*kernel)(KArgs...), dim3 grid, dim3 block, size_t dynamic_shared,
            const OpContext& ctx, Args&&... args) {
  static_assert(sizeof...(KArgs) == sizeof...(Args), "wrong number of kernel arguments");
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) return;
  if (ctx.launches) ctx.launches->fetch_add(1, std::memory_order_relaxed);
#if defined(SPARSEREC_EMU)
  // The arguments are bound by value, as a GPU launch copies them: a captured launch (emu.h) replays
  // with the values it had.
  ::emu::launch(
      name, grid, block, dynamic_shared,
      [kernel, bound = std::tuple<std::decay_t<KArgs>...>(static_cast<KArgs>(args)...)] { std::apply(kernel, bound); });
#else
  kernel<<<grid, block, dynamic_shared, ctx.stream>>>(static_cast<KArgs>(args)...);
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw ::sr::error("launch of kernel '", name, "': ", cudaGetErrorString(err));
#endif
}

// Blocks needed to cover n items with `per_block` items each, clamped to the grid's x limit.
inline unsigned blocks_for(int64_t n, int64_t per_block) {
  const int64_t b = (n + per_block - 1) / per_block;
  return static_cast<unsigned>(b < 2147483647 ? b : 2147483647);
}

// The grid of a grid-stride loop over n items, `threads` a block: enough blocks to cover n, at
// most 4096 (the loop covers the rest). On the emulator the grid stays small, so each thread takes
// several strides (the path a large GPU grid seldom takes) and runs stay quick.
inline unsigned grid_stride_blocks(int64_t n, int64_t threads) {
#if defined(SPARSEREC_EMU)
  constexpr unsigned kMaxBlocks = 16;
#else
  constexpr unsigned kMaxBlocks = 4096;
#endif
  const unsigned b = blocks_for(n, threads);
  return b < kMaxBlocks ? b : kMaxBlocks;
}

}  // namespace sr::SR_KERNEL_NS
