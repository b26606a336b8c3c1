// <regex>, included with GCC 12's -Wmaybe-uninitialized false positive
// silenced for its own code only (GCC bug 105562: under -fsanitize at -O1
// it flags std::function inside libstdc++'s regex automaton). Include this
// instead of <regex>; every other warning stays an error.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#else
#include <regex>
#endif

#include <cstdint>
#include <string>

namespace cpucompat {
// A submatch that the pattern already limits to 1-8 hex digits.
inline uint32_t hex32(const std::ssub_match &m) { return static_cast<uint32_t>(std::stoul(m.str(), nullptr, 16)); }
}  // namespace cpucompat
