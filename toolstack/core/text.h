// Small text helpers shared by the core, importers, adapters and CLI.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cpucompat {

// Folds a name for matching: lower case, ' ' and '_' as '-'. So "SSE4_1",
// "sse4-1", and "HVM Max", "hvm_max", "hvm-max" are each one name.
std::string fold_name(std::string_view s);

// "0x1f"; with digits, zero-padded to that many: hex(0x1f, 8) = "0x0000001f".
std::string hex(uint64_t v, int digits = 0);

// Text from an input file or another host, made safe to show on a terminal
// or to write into a log line: control characters (C0, DEL, C1) and bytes
// that are not UTF-8 become \xNN escapes ("\x1b" for ESC). Printable
// ASCII and valid UTF-8 pass unchanged, so applying it twice changes nothing.
std::string terminal_safe(std::string_view s);

// terminal_safe(s) in double quotes, cut to `max` bytes of input with "..."
// after it: how error messages quote what they could not read.
std::string quote_text(std::string_view s, std::size_t max = 60);

// The items with `sep` between them: join({"a", "b"}, ", ") = "a, b".
std::string join(const std::vector<std::string> &items, std::string_view sep);

// Whether `s` is a uuid as Xen and libxl print one: 8-4-4-4-12 hex digits.
bool is_uuid(std::string_view s);

}  // namespace cpucompat
