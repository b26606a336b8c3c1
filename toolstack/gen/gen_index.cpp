// Build-time writer of the plugin's compiled data index
// (toolstack/import/data_index.h): the baselines and the guest table, read
// and checked as the commands read them, written as a C++ table that the
// plugin links, so no `xl create` parses them.
//
// Usage: gen_index BASELINES_DIR GUESTS_YAML OUT.cpp
// writes OUT.cpp through OUT.cpp.tmp, so a failed run leaves no table (and
// the build stops) rather than a partial one.

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "../import/data_index.h"

int main(int argc, char **argv) {
    namespace fs = std::filesystem;
    if (argc != 4) {
        std::fprintf(stderr, "usage: gen_index BASELINES_DIR GUESTS_YAML OUT.cpp\n");
        return 2;
    }
    const fs::path out = argv[3], tmp = out.string() + ".tmp";
    try {
        const std::string text = cpucompat::data_index_source(argv[1], argv[2]);
        {
            std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
            f << text;
            f.close();
            if (!f) throw std::runtime_error(tmp.string() + ": cannot write");
        }
        fs::rename(tmp, out);
    } catch (const std::exception &e) {
        std::error_code ec;
        fs::remove(tmp, ec);
        std::fprintf(stderr, "gen_index: %s\n", e.what());
        return 1;
    }
    return 0;
}
