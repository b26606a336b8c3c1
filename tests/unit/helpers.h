// Shared by the unit tests: where fixtures and (optionally) the shared real
// CPU dumps are, and short ways to load them.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <stdlib.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../toolstack/core/catalogue.h"
#include "../../toolstack/core/policy.h"
#include "../../toolstack/import/import.h"
#include "../../toolstack/import/template_yaml.h"

namespace testing {

// A file's whole text ("" when it cannot be read).
inline std::string slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// A fresh directory under /tmp, removed with everything in it at scope end.
struct TempDir {
    std::string path;
    explicit TempDir(const std::string &what = "test") {
        std::string tmpl = "/tmp/cpucompat-" + what + "-XXXXXX";
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp: cannot make " + tmpl);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
};

inline std::string env_or(const char *name, const char *fallback) {
    const char *v = std::getenv(name);
    return v && *v ? v : fallback;
}

inline std::string fixture(const std::string &name) { return env_or("CPUCOMPAT_FIXTURES", "tests/fixtures") + "/" + name; }

inline cpucompat::Policy load(const std::string &name, const std::string &sel = "") {
    return cpucompat::import_policy_file(fixture(name), sel);
}

// The shared InstLatx64 dumps (../shared/cpuid-dumps) when present; empty on
// a fresh clone without them, and the tests that need them say so.
inline std::vector<std::filesystem::path> dumps(const std::string &prefix = "") {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    const std::string dir = env_or("CPUCOMPAT_DUMPS", "../shared/cpuid-dumps");
    if (!std::filesystem::is_directory(dir, ec)) return out;
    for (const auto &e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".txt" && e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

inline const cpucompat::TemplateLibrary &baselines() {
    static const cpucompat::TemplateLibrary lib = cpucompat::load_template_library(cpucompat::default_data_dir());
    return lib;
}

inline cpucompat::FeatureId id(const char *name) {
    const cpucompat::FeatureInfo *f = cpucompat::Catalogue::get().find(name);
    if (!f) throw std::runtime_error(std::string("test names an unknown feature: ") + name);
    return f->id;
}

inline bool has(const cpucompat::Policy &p, const char *name) { return p.features.test(id(name)); }

inline std::vector<std::string> names(const cpucompat::Featureset &fs) { return cpucompat::Catalogue::get().names(fs); }

// The head of an `xl save` image (tools/xl/xl_saverestore.c) holding this
// JSON domain config, followed by `tail` (where the memory image would be).
inline std::string save_image(const std::string &config_json, const std::string &tail = "LibxlFmt...") {
    std::string b("Xen saved domain, xl format\n \0 \r", 32);
    auto u32 = [&b](uint32_t v) { b.append(reinterpret_cast<const char *>(&v), 4); };
    const uint32_t len = static_cast<uint32_t>(config_json.size() + 1);
    u32(0x01020304);
    u32(1u | 2u);  // stream v2, JSON
    u32(0);
    u32(4 + len);
    u32(len);
    b += config_json;
    b += '\0';
    return b + tail;
}

}  // namespace testing
