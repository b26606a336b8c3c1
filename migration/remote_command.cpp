#include "remote_command.h"

#include <sstream>

#include "../toolstack/core/error.h"

namespace cpucompat {

std::string shell_quote(const std::string &arg) {
    if (!arg.empty() && arg.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./:=@,+%") == std::string::npos)
        return arg;
    std::string out = "'";
    for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string shell_line(const std::vector<std::string> &argv) {
    std::string line;
    for (const auto &a : argv) line += (line.empty() ? "" : " ") + shell_quote(a);
    return line;
}

std::vector<std::string> ssh_argv(const std::string &ssh_command, const std::string &host, const std::vector<std::string> &argv) {
    if (host.empty()) throw Error("empty host name");
    if (host[0] == '-') throw Error("host name \"" + host + "\" starts with '-'");
    std::vector<std::string> out;
    std::istringstream words(ssh_command.empty() ? "ssh" : ssh_command);
    for (std::string w; words >> w;) out.push_back(w);
    out.push_back("--");
    out.push_back(host);
    out.push_back(shell_line(argv));
    return out;
}

std::string with_keepalive(const std::string &ssh_command) {
    std::istringstream words(ssh_command.empty() ? "ssh" : ssh_command);
    std::string first;
    words >> first;
    const std::string base = first.substr(first.rfind('/') + 1);
    if (base != "ssh") return ssh_command;
    return (ssh_command.empty() ? "ssh" : ssh_command) + " -o ConnectTimeout=15 -o ServerAliveInterval=5 -o ServerAliveCountMax=6";
}

}  // namespace cpucompat
