// The one error type of the core: a message, and where the bad input was
// (file and line) when it came from a file. what() is the one-line form
// printed to the user: "FILE:LINE: message".
#pragma once

#include <stdexcept>
#include <string>

namespace cpucompat {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string &msg) : std::runtime_error(msg), message_(msg) {}
    Error(std::string file, unsigned line, const std::string &msg)
        : std::runtime_error(locate(file, line) + msg), file_(std::move(file)), line_(line), message_(msg) {}

    const std::string &file() const { return file_; }
    unsigned line() const { return line_; }          // 0 when not known
    const std::string &message() const { return message_; }

private:
    static std::string locate(const std::string &file, unsigned line) {
        if (file.empty()) return "";
        return line ? file + ":" + std::to_string(line) + ": " : file + ": ";
    }
    std::string file_;
    unsigned line_ = 0;
    std::string message_;
};

}  // namespace cpucompat
