// Reading an input file at the edge: size limit, binary detection, and the
// name errors will carry. Everything after this is text in, values out.
#pragma once

#include <cstddef>
#include <string>

namespace cpucompat {

struct InputText {
    std::string name;  // as given by the user ("-" reads stdin)
    std::string text;
};

// Files larger than this are refused: real fingerprints are < 3 MB.
inline constexpr std::size_t kMaxInputBytes = 64u << 20;

// Throws Error naming the file when it cannot be read, is too large, or is
// binary (contains NUL bytes).
InputText read_input_file(const std::string &path);
// The same checks for text that arrived some other way (tests, fuzzers).
void check_input_text(const InputText &in);

}  // namespace cpucompat
