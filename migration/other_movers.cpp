#include "other_movers.h"

#include <algorithm>

namespace cpucompat {

namespace {

std::string base_name(const std::string &path) { return path.substr(path.rfind('/') + 1); }

// "xl migrate evm c (pid 812)": the program by its base name, at most a
// few arguments (an ssh command line may be long), printable bytes only.
std::string said(const ProcessArgs &p) {
    std::string line = base_name(p.argv.front());
    for (std::size_t i = 1; i < p.argv.size() && i < 8; ++i) line += " " + p.argv[i];
    if (p.argv.size() > 8) line += " ...";
    for (char &c : line)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return line + " (pid " + std::to_string(p.pid) + ")";
}

bool xl_moves_it(const std::vector<std::string> &argv, const std::string &name, const std::string &id) {
    // The subcommand is xl's first argument that is not a global option (-v, -N, -f, -t).
    auto sub = std::find_if(argv.begin() + 1, argv.end(), [](const std::string &a) { return a.empty() || a[0] != '-'; });
    if (sub == argv.end() || (*sub != "migrate" && *sub != "save" && *sub != "remus")) return false;
    return std::any_of(sub + 1, argv.end(), [&](const std::string &a) { return a == name || a == id; });
}

}  // namespace

std::string other_mover(const std::vector<ProcessArgs> &ps, const std::string &name, uint32_t domid) {
    const std::string id = std::to_string(domid);
    for (const auto &p : ps) {
        if (p.argv.empty()) continue;
        const std::string prog = base_name(p.argv[0]);
        if (prog == "xl" && xl_moves_it(p.argv, name, id)) return said(p);
        if (prog == "libxl-save-helper" && p.argv.size() > 4 && p.argv[1] == "--save-domain" && p.argv[4] == id) return said(p);
    }
    return "";
}

}  // namespace cpucompat
