#include "template_yaml.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "yaml_input.h"

#include "../core/catalogue.h"
#include "../core/text.h"
#include "../core/vendor.h"
#include "line_reader.h"

#ifndef CPUCOMPAT_DATADIR
#error "CPUCOMPAT_DATADIR must name the installed data directory (PREFIX/share/cpucompat)"
#endif

namespace cpucompat {

bool plain_template_name(const std::string &s) {
    return !s.empty() && s.size() <= 64 && std::isalnum(static_cast<unsigned char>(s[0])) &&
           std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || (c && std::strchr("._+-", c)); });
}

namespace {

uint32_t u32(const InputText &in, const YAML::Node &n, const char *key) {
    uint64_t v = 0;
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    bool ok = !s.empty();
    if (ok && s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ok = parse_hex(s, v, 8);
    else if (ok) {
        ok = s.size() <= 10 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (ok) v = std::stoull(s);
    }
    if (!ok || v > 0xffffffffu) throw Error(in.name, yaml_line(n), std::string(key) + ": expected a 32-bit number");
    return static_cast<uint32_t>(v);
}

}  // namespace

CpuTemplate parse_template_yaml(const InputText &in) {
    check_input_text(in);
    const YAML::Node root = load_yaml(in);
    if (!root.IsMap()) throw Error(in.name, 0, "a CPU template must be a YAML mapping");
    static const std::set<std::string> known{"name", "description", "source", "vendor", "require", "hide",
                                             "max_leaf", "max_extd_leaf", "max_subleaf7"};
    CpuTemplate t;
    std::map<std::string, unsigned> lines;  // of each key, for the whole-template checks
    for (const auto &kv : root) {
        const std::string key = kv.first.Scalar();
        const YAML::Node &v = kv.second;
        if (!known.count(key)) throw Error(in.name, yaml_line(kv.first), "unknown key " + quote_text(key));
        lines[key] = yaml_line(kv.first);
        if (key == "require") t.require = yaml_feature_list(in, v, "require");
        else if (key == "hide") t.hide = yaml_feature_list(in, v, "hide");
        else if (key == "max_leaf") t.max_leaf = u32(in, v, "max_leaf");
        else if (key == "max_extd_leaf") t.max_extd_leaf = u32(in, v, "max_extd_leaf");
        else if (key == "max_subleaf7") t.max_subleaf7 = u32(in, v, "max_subleaf7");
        else if (!v.IsScalar()) throw Error(in.name, yaml_line(v), key + ": expected a string");
        else if (key == "name") {
            t.name = v.Scalar();
            if (!plain_template_name(t.name))
                throw Error(in.name, yaml_line(v), "name: expected up to 64 letters, digits, '.', '_', '+' or '-' (it names a "
                                                   "level and a file), got " + quote_text(t.name));
        } else if (key == "description" || key == "source") {
            (key == "description" ? t.description : t.source) = yaml_clean_text(in, v, key);
        }
        else if (key == "vendor") {
            t.vendor_id = v.Scalar();
            if (!printable_vendor_id(t.vendor_id))
                throw Error(in.name, yaml_line(v), "vendor: expected 12 printable ASCII characters such as GenuineIntel, got " + quote_text(t.vendor_id));
        }
    }
    if (t.name.empty()) throw Error(in.name, 0, "missing key \"name\"");
    if (!t.require && t.hide.empty() && !t.max_leaf && !t.max_extd_leaf && !t.max_subleaf7)
        throw Error(in.name, 0, "template " + quote_text(t.name) + " changes nothing: give require, hide or a max_* limit");
    if (const auto problem = template_problem(t)) throw Error(in.name, lines[problem->key], problem->key + ": " + problem->message);
    return t;
}

std::string template_to_yaml(const CpuTemplate &t) {
    YAML::Emitter e;
    e << YAML::BeginMap << YAML::Key << "name" << YAML::Value << t.name;
    if (!t.description.empty()) e << YAML::Key << "description" << YAML::Value << t.description;
    if (!t.source.empty()) e << YAML::Key << "source" << YAML::Value << t.source;
    if (!t.vendor_id.empty()) e << YAML::Key << "vendor" << YAML::Value << YAML::DoubleQuoted << t.vendor_id;
    if (t.require) e << YAML::Key << "require" << YAML::Value << YAML::Flow << Catalogue::get().names(*t.require);
    if (!t.hide.empty()) e << YAML::Key << "hide" << YAML::Value << YAML::Flow << Catalogue::get().names(t.hide);
    if (t.max_leaf) e << YAML::Key << "max_leaf" << YAML::Value << hex(*t.max_leaf);
    if (t.max_extd_leaf) e << YAML::Key << "max_extd_leaf" << YAML::Value << hex(*t.max_extd_leaf);
    if (t.max_subleaf7) e << YAML::Key << "max_subleaf7" << YAML::Value << *t.max_subleaf7;
    e << YAML::EndMap;
    return std::string(e.c_str()) + "\n";
}

namespace {

// A baseline is named as its file (KEY.yaml): load_templates_for() finds it so.
CpuTemplate load_baseline_file(const std::filesystem::path &p) {
    CpuTemplate t = parse_template_yaml(read_input_file(p.string()));
    if (t.name != p.stem().string()) throw Error(p.string(), 0, "template name \"" + t.name + "\" differs from its file name");
    return t;
}

}  // namespace

TemplateLibrary load_template_library(const std::string &dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Error(dir, 0, "baseline directory not found (set CPUCOMPAT_DATADIR)");
    std::vector<fs::path> files;
    for (const auto &e : fs::directory_iterator(dir))
        if (e.path().extension() == ".yaml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    TemplateLibrary lib;
    std::map<std::string, std::string> origin;
    for (const auto &p : files) {
        CpuTemplate t = load_baseline_file(p);
        if (!origin.emplace(t.name, p.string()).second)
            throw Error(p.string(), 0, "template name \"" + t.name + "\" is also used by " + origin[t.name]);
        lib.emplace(t.name, std::move(t));
    }
    return lib;
}

TemplateLibrary load_templates_for(const Mode &mode, const std::string &vendor_id, const std::string &dir) {
    TemplateLibrary lib;
    if (mode.kind == Mode::Kind::off || mode.kind == Mode::Kind::pool) return lib;
    if (mode.kind == Mode::Kind::file) {
        lib.emplace("file:" + mode.arg, parse_template_yaml(read_input_file(mode.arg)));
        return lib;
    }
    const std::string key = template_key(mode, vendor_id);
    // A level name becomes a path only when it is a plain name.
    const bool plain = !key.empty() && key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") == std::string::npos &&
                       key[0] != '.';
    std::error_code ec;
    const std::filesystem::path file = std::filesystem::path(dir) / (key + ".yaml");
    if (!plain || !std::filesystem::is_regular_file(file, ec)) return load_template_library(dir);
    lib.emplace(key, load_baseline_file(file));
    return lib;
}

std::string beside_exe(const std::string &rel) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return "";
    const fs::path p = exe.parent_path().parent_path() / rel;
    return fs::exists(p, ec) ? p.string() : "";
}

std::string default_data_dir() {
    if (const char *env = std::getenv("CPUCOMPAT_DATADIR"); env && *env) return std::string(env) + "/baselines";
    const std::string installed = beside_exe("share/cpucompat/baselines");
    if (!installed.empty() && std::filesystem::is_directory(installed)) return installed;
    return std::string(CPUCOMPAT_DATADIR) + "/baselines";
}

}  // namespace cpucompat
