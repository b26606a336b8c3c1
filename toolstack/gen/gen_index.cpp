// Build-time writer of the data index (toolstack/import/data_index.h): the
// baselines and the guest table, read and checked as the commands read them,
// compiled into the small JSON files the plugin reads in every `xl create`
// instead of the YAML.
//
// Usage: gen_index BASELINES_DIR GUESTS_YAML OUT_DIR
// writes OUT_DIR/NAME.json for every baseline and OUT_DIR/guests.json,
// through OUT_DIR.tmp, so a failed run leaves no index (the plugin then reads
// the YAML) rather than a partial one.

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
        std::fprintf(stderr, "usage: gen_index BASELINES_DIR GUESTS_YAML OUT_DIR\n");
        return 2;
    }
    const fs::path out = argv[3], tmp = out.string() + ".tmp";
    try {
        const auto files = cpucompat::build_data_index(argv[1], argv[2]);
        fs::remove_all(tmp);
        fs::create_directories(tmp);
        for (const auto &[name, text] : files) {
            std::ofstream f(tmp / name, std::ios::binary | std::ios::trunc);
            f << text;
            f.close();
            if (!f) throw std::runtime_error((tmp / name).string() + ": cannot write");
        }
        fs::remove_all(out);
        fs::rename(tmp, out);
    } catch (const std::exception &e) {
        std::error_code ec;
        fs::remove_all(tmp, ec);
        std::fprintf(stderr, "gen_index: %s\n", e.what());
        return 1;
    }
    return 0;
}
