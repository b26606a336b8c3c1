#include "input_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.h"

namespace cpucompat {

namespace {

std::string too_large(std::size_t limit) {
    return "file is larger than " + std::to_string(limit >> 20) + " MiB; not a CPUID fingerprint";
}

// Closes the descriptor (never stdin) on every path out of read_input_file.
struct Fd {
    int fd;
    ~Fd() {
        if (fd > 0) ::close(fd);
    }
};

}  // namespace

void check_input_text(const InputText &in) {
    if (in.text.size() > kMaxInputBytes) throw Error(in.name, 0, too_large(kMaxInputBytes));
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
    Fd f{STDIN_FILENO};
    if (path != "-") {
        // O_NONBLOCK: opening a FIFO with no writer returns at once instead
        // of waiting; it is then refused as not a regular file.
        f.fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (f.fd < 0) throw Error(path, 0, std::string("cannot open: ") + std::strerror(errno));
        struct stat st;
        if (::fstat(f.fd, &st) != 0) throw Error(path, 0, std::string("cannot stat: ") + std::strerror(errno));
        if (S_ISDIR(st.st_mode)) throw Error(path, 0, "is a directory, not a file");
        if (!S_ISREG(st.st_mode)) throw Error(path, 0, "not a regular file (a FIFO, socket or device); give a file, or - for standard input");
        if (static_cast<uint64_t>(st.st_size) > kMaxInputBytes) throw Error(path, 0, too_large(kMaxInputBytes));
        const int flags = ::fcntl(f.fd, F_GETFL);
        if (flags < 0 || ::fcntl(f.fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
            throw Error(path, 0, std::string("cannot read: ") + std::strerror(errno));
        in.text.reserve(static_cast<std::size_t>(st.st_size));
    }
    // Chunks, at most one past the limit: a file that grew since fstat (or
    // stdin) is refused without being loaded whole.
    char chunk[1 << 16];
    while (in.text.size() <= kMaxInputBytes) {
        const ssize_t n = ::read(f.fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(path, 0, std::string("read error: ") + std::strerror(errno));
        if (n == 0) break;
        in.text.append(chunk, static_cast<std::size_t>(n));
    }
    check_input_text(in);
    return in;
}

}  // namespace cpucompat
