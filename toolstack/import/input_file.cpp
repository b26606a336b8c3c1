#include "input_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "../core/error.h"

namespace cpucompat {

void check_input_text(const InputText &in) {
    if (in.text.size() > kMaxInputBytes)
        throw Error(in.name, 0, "file is larger than " + std::to_string(kMaxInputBytes >> 20) + " MiB; not a CPUID fingerprint");
    const auto nul = in.text.find('\0');
    if (nul != std::string::npos) {
        unsigned line = 1;
        for (std::size_t i = 0; i < nul; ++i) line += in.text[i] == '\n';
        throw Error(in.name, line, "binary data (NUL byte); expected a text fingerprint");
    }
    if (in.text.find_first_not_of(" \t\r\n") == std::string::npos) throw Error(in.name, 0, "file is empty");
}

InputText read_input_file(const std::string &path) {
    InputText in{path, {}};
    std::istream *is = &std::cin;
    std::ifstream f;
    if (path != "-") {
        f.open(path, std::ios::binary);
        if (!f) throw Error(path, 0, std::string("cannot open: ") + std::strerror(errno));
        is = &f;
    }
    // Read in chunks, at most one byte past the limit, so a huge file is
    // refused without being loaded whole (and a small one costs no more
    // than its size).
    char chunk[1 << 16];
    while (in.text.size() <= kMaxInputBytes && is->read(chunk, sizeof chunk).gcount() > 0)
        in.text.append(chunk, static_cast<std::size_t>(is->gcount()));
    if (is->bad()) throw Error(path, 0, "read error");
    check_input_text(in);
    return in;
}

}  // namespace cpucompat
