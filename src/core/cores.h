// The cores this process may run on, and a way to spread work over them.
//
// UsableCores(): the process's CPU affinity mask, which a user, a container
// or `taskset` can make smaller than the machine
// (std::thread::hardware_concurrency() counts every online CPU, and threads
// beyond the mask only take turns on the same cores). Every pool of worker
// threads sizes itself from this. At least 1; thread-safe.
//
// ForEachOnThreads(): items 0..count-1 handed to up to `threads` threads (the
// caller's among them), each taking the next item as soon as it is free, so
// a slow item or a thread slowed by other work holds no one up. `fn(item,
// worker)` gets the worker's number (0..threads-1) for per-thread state. The
// first exception any call throws is rethrown once every thread has stopped;
// items not yet started by then are skipped.
#pragma once

#include <cstddef>
#include <functional>

namespace ctodesk {

unsigned UsableCores();

void ForEachOnThreads(std::size_t count, unsigned threads,
                      const std::function<void(std::size_t item, unsigned worker)>& fn);

}  // namespace ctodesk
