// Iterates the lines of an input text with their 1-based numbers, so every
// importer reports errors as FILE:LINE.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "../core/error.h"
#include "input_file.h"

namespace cpucompat {

inline constexpr std::size_t kMaxLineLength = 4096;

class LineReader {
public:
    explicit LineReader(const InputText &in) : in_(in) {}
    bool next(std::string_view &line);
    unsigned number() const { return number_; }
    [[noreturn]] void fail(const std::string &msg) const { throw Error(in_.name, number_, msg); }

private:
    const InputText &in_;
    std::size_t pos_ = 0;
    unsigned number_ = 0;
};

// Parses exactly one hexadecimal number (optional 0x); false on anything else
// or on overflow of `max_digits`.
bool parse_hex(std::string_view s, uint64_t &out, unsigned max_digits = 16);
std::string_view trim(std::string_view s);

}  // namespace cpucompat
