// The cores this process may run on: its CPU affinity mask, which a user,
// a container or `taskset` can make smaller than the machine
// (std::thread::hardware_concurrency() counts every online CPU, and threads
// beyond the mask only take turns on the same cores). Every pool of worker
// threads sizes itself from this. At least 1; thread-safe.
#pragma once

namespace ctodesk {

unsigned UsableCores();

}  // namespace ctodesk
