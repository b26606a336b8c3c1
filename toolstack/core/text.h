// Small text helpers shared by the core, importers, adapters and CLI.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cpucompat {

// Folds a name for matching: lower case, ' ' and '_' as '-'. So "SSE4_1",
// "sse4-1", and "HVM Max", "hvm_max", "hvm-max" are each one name.
std::string fold_name(std::string_view s);

// "0x1f"; with digits, zero-padded to that many: hex(0x1f, 8) = "0x0000001f".
std::string hex(uint64_t v, int digits = 0);

}  // namespace cpucompat
