// A tiny CPU emulator for linlayout's emitted CUDA device code (tests only).
// Every CUDA thread of every block of one cluster is a std::thread; shuffles and barriers
// are block-wide rendezvous (the emitted programs are uniform: every thread executes the
// same sequence of shuffles and barriers), so the code runs unmodified on the host.
#pragma once
#include <barrier>
#include <cstdint>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#define __device__
#define __forceinline__ inline
struct uint2 { unsigned int x, y; };
struct uint4 { unsigned int x, y, z, w; };
struct emu_dim3 { unsigned x = 0, y = 0, z = 0; };
thread_local emu_dim3 threadIdx, blockIdx;

struct EmuWorld {
  int blocks = 1, threads = 32;
  std::barrier<> *bar = nullptr;
  std::vector<std::vector<unsigned long long>> slot;  // per block, per thread
  std::vector<std::vector<unsigned char>> smem;        // per block
};
inline EmuWorld emu;

template <class T> T emu_exchange(T v, int src_lane) {
  const int b = blockIdx.x, t = threadIdx.x;
  emu.slot[b][t] = (unsigned long long)v;
  emu.bar->arrive_and_wait();
  T r = (T)emu.slot[b][(t & ~31) | (src_lane & 31)];
  emu.bar->arrive_and_wait();
  return r;
}
template <class T> T __shfl_sync(unsigned, T v, int src_lane) { return emu_exchange(v, src_lane); }
template <class T> T __shfl_xor_sync(unsigned, T v, int m) { return emu_exchange(v, (threadIdx.x & 31) ^ m); }
inline void __syncwarp() { emu.bar->arrive_and_wait(); }
inline void __syncthreads() { emu.bar->arrive_and_wait(); }

namespace cg {
struct cluster_group {
  int block_rank() const { return blockIdx.x; }
  template <class T> T *map_shared_rank(T *p, int rank) const {
    const long off = (unsigned char *)p - emu.smem[blockIdx.x].data();
    return (T *)(emu.smem[rank].data() + off);
  }
  void sync() const { emu.bar->arrive_and_wait(); }
};
inline cluster_group this_cluster() { return {}; }
}  // namespace cg

// Run fn(block, thread) on blocks * threads host threads with shared memory per block.
inline void emu_run(int blocks, int threads, size_t smem_bytes, const std::function<void(unsigned char *)> &fn) {
  emu.blocks = blocks;
  emu.threads = threads;
  std::barrier<> bar(blocks * threads);
  emu.bar = &bar;
  emu.slot.assign(blocks, std::vector<unsigned long long>(threads));
  emu.smem.assign(blocks, std::vector<unsigned char>(smem_bytes + 16, 0xcd));
  std::vector<std::thread> ts;
  for (int b = 0; b < blocks; ++b)
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([=, &fn] {
        blockIdx.x = b;
        threadIdx.x = t;
        fn(emu.smem[b].data());
      });
  for (auto &t : ts) t.join();
}
