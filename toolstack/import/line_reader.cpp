#include "line_reader.h"

namespace cpucompat {

bool LineReader::next(std::string_view &line) {
    if (pos_ >= in_.text.size()) return false;
    std::size_t end = in_.text.find('\n', pos_);
    if (end == std::string::npos) end = in_.text.size();
    line = std::string_view(in_.text).substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++number_;
    // std::regex recurses per character; a bounded line keeps a hostile
    // file from exhausting the stack. Real fingerprint lines are < 200.
    if (line.size() > kMaxLineLength) fail("line longer than " + std::to_string(kMaxLineLength) + " characters");
    return true;
}

bool parse_hex(std::string_view s, uint64_t &out, unsigned max_digits) {
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
    if (s.empty() || s.size() > max_digits) return false;
    uint64_t v = 0;
    for (char c : s) {
        unsigned d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return false;
        v = v << 4 | d;
    }
    out = v;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

}  // namespace cpucompat
