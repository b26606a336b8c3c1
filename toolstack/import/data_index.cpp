#include "data_index.h"

#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "../core/catalogue.h"
#include "../core/error.h"
#include "../core/fnv.h"
#include "../core/text.h"
#include "../core/vendor.h"
#include "fingerprint.h"
#include "guest_table.h"
#include "template_yaml.h"

namespace cpucompat {

namespace {

constexpr const char *kFormat = "cpucompat-index/1";

using ojson = nlohmann::ordered_json;

ojson stamp_json(const IndexStamp &s) {
    ojson j;
    j["bytes"] = s.bytes;
    j["fnv1a64"] = s.digest;
    return j;
}

ojson limit_json(const std::optional<uint32_t> &v) { return v ? ojson(*v) : nullptr; }

// A reader of one index file: every failure is Error("FILE: WHERE: what").
struct Reader {
    const InputText &in;

    [[noreturn]] void bad(const std::string &where, const std::string &what) const { throw Error(in.name, 0, where + ": " + what); }

    nlohmann::json parse() const {
        nlohmann::json j = parse_json_strict(in.text, in.name);
        if (!j.is_object() || !j.contains("format") || j["format"] != kFormat) bad("format", std::string("expected ") + kFormat);
        return j;
    }

    void exact_keys(const nlohmann::json &j, const std::string &where, const std::set<std::string> &keys) const {
        if (!j.is_object()) bad(where, "expected an object");
        for (const auto &[k, v] : j.items())
            if (!keys.count(k)) bad(where, "unknown key " + quote_text(k));
        for (const auto &k : keys)
            if (!j.contains(k)) bad(where, "missing key " + quote_text(k));
    }

    IndexStamp stamp(const nlohmann::json &j) const {
        exact_keys(j, "file", {"bytes", "fnv1a64"});
        if (!j["bytes"].is_number_unsigned()) bad("file.bytes", "expected a byte count");
        if (!j["fnv1a64"].is_string()) bad("file.fnv1a64", "expected a digest");
        IndexStamp s{j["bytes"].get<uint64_t>(), j["fnv1a64"].get<std::string>()};
        if (s.digest.size() != 24 || s.digest.rfind("fnv1a64:", 0) != 0 ||
            s.digest.find_first_not_of("0123456789abcdef", 8) != std::string::npos)
            bad("file.fnv1a64", "expected fnv1a64: and 16 lower-case hex digits");
        return s;
    }

    Featureset features(const nlohmann::json &j, const std::string &where) const {
        if (!j.is_array()) bad(where, "expected a list of feature names");
        Featureset fs;
        for (const auto &n : j) {
            if (!n.is_string()) bad(where, "expected feature names");
            const FeatureInfo *f = Catalogue::get().find(n.get<std::string>());
            if (!f) bad(where, "unknown feature " + quote_text(n.get<std::string>()));
            if (fs.test(f->id)) bad(where, "feature " + quote_text(n.get<std::string>()) + " listed twice");
            fs.set(f->id);
        }
        return fs;
    }

    std::optional<uint32_t> limit(const nlohmann::json &j, const std::string &where) const {
        if (j.is_null()) return std::nullopt;
        if (!j.is_number_unsigned() || j.get<uint64_t>() > 0xffffffffu) bad(where, "expected null or a 32-bit limit");
        return static_cast<uint32_t>(j.get<uint64_t>());
    }
};

}  // namespace

std::string data_file_digest(const std::string &bytes) {
    Fnv1a64 f;
    f.bytes(bytes);
    return "fnv1a64:" + f.hex();
}

IndexStamp index_stamp(const std::string &bytes) { return IndexStamp{bytes.size(), data_file_digest(bytes)}; }

std::string index_baseline_json(const CpuTemplate &t, const IndexStamp &file) {
    ojson j;
    j["format"] = kFormat;
    j["file"] = stamp_json(file);
    j["vendor"] = t.vendor_id;
    j["require"] = t.require ? ojson(Catalogue::get().names(*t.require)) : nullptr;
    j["hide"] = Catalogue::get().names(t.hide);
    j["max_leaf"] = limit_json(t.max_leaf);
    j["max_extd_leaf"] = limit_json(t.max_extd_leaf);
    j["max_subleaf7"] = limit_json(t.max_subleaf7);
    return j.dump() + "\n";
}

IndexedBaseline parse_index_baseline(const InputText &in, const std::string &name) {
    const Reader r{in};
    if (!plain_template_name(name)) r.bad("name", "not a plain template name: " + quote_text(name));
    const nlohmann::json j = r.parse();
    r.exact_keys(j, "top level", {"format", "file", "vendor", "require", "hide", "max_leaf", "max_extd_leaf", "max_subleaf7"});
    IndexedBaseline b;
    b.file = r.stamp(j["file"]);
    b.t.name = name;
    if (!j["vendor"].is_string()) r.bad("vendor", "expected a vendor id or \"\"");
    b.t.vendor_id = j["vendor"].get<std::string>();
    if (!b.t.vendor_id.empty() && !printable_vendor_id(b.t.vendor_id)) r.bad("vendor", "expected 12 printable characters");
    if (!j["require"].is_null()) b.t.require = r.features(j["require"], "require");
    b.t.hide = r.features(j["hide"], "hide");
    b.t.max_leaf = r.limit(j["max_leaf"], "max_leaf");
    b.t.max_extd_leaf = r.limit(j["max_extd_leaf"], "max_extd_leaf");
    b.t.max_subleaf7 = r.limit(j["max_subleaf7"], "max_subleaf7");
    if (const auto p = template_problem(b.t)) r.bad(p->key, p->message);
    return b;
}

std::string index_guests_json(const GuestTable &guests, const IndexStamp &file) {
    ojson entries = ojson::object();
    for (const auto &[name, g] : guests) {
        ojson e;
        e["level"] = g.level;
        e["features"] = Catalogue::get().names(g.features);
        entries[name] = std::move(e);
    }
    ojson j;
    j["format"] = kFormat;
    j["file"] = stamp_json(file);
    j["entries"] = std::move(entries);
    return j.dump() + "\n";
}

IndexedGuests parse_index_guests(const InputText &in) {
    const Reader r{in};
    const nlohmann::json j = r.parse();
    r.exact_keys(j, "top level", {"format", "file", "entries"});
    IndexedGuests out;
    out.file = r.stamp(j["file"]);
    if (!j["entries"].is_object()) r.bad("entries", "expected an object");
    for (const auto &[name, e] : j["entries"].items()) {
        const std::string at = "entries." + name;
        if (!plain_guest_name(name)) r.bad(at, "not a plain guest name");
        r.exact_keys(e, at, {"level", "features"});
        GuestNeeds g;
        g.name = name;
        if (!e["level"].is_string()) r.bad(at + ".level", "expected a baseline name or \"\"");
        g.level = e["level"].get<std::string>();
        if (!g.level.empty() && !plain_template_name(g.level)) r.bad(at + ".level", "not a plain template name");
        g.features = r.features(e["features"], at + ".features");
        if (g.level.empty() && g.features.empty()) r.bad(at, "needs nothing");
        out.guests.emplace(name, std::move(g));
    }
    return out;
}

std::string default_data_index_dir(const std::string &baselines_dir) {
    return (std::filesystem::path(baselines_dir).parent_path() / "index").string();
}

std::map<std::string, std::string> build_data_index(const std::string &baselines_dir, const std::string &guest_table_path) {
    namespace fs = std::filesystem;
    const TemplateLibrary lib = load_template_library(baselines_dir);  // every file checked, names unique
    std::map<std::string, std::string> out;
    for (const auto &[name, t] : lib)
        out[name + ".json"] = index_baseline_json(t, index_stamp(read_input_file((fs::path(baselines_dir) / (name + ".yaml")).string()).text));
    const InputText table_text = read_input_file(guest_table_path);
    out["guests.json"] = index_guests_json(parse_guest_table(table_text, lib), index_stamp(table_text.text));
    return out;
}

DataFiles::DataFiles(std::string baselines_dir, std::string guest_table_path, std::string index_dir)
    : dir_(std::move(baselines_dir)), guests_path_(std::move(guest_table_path)), index_dir_(std::move(index_dir)) {}

void DataFiles::refuse(const std::string &why) {
    if (problem_.empty()) problem_ = why + " (not used: the YAML is read instead)";
}

namespace {

// The text of a file that may be absent; nullopt when it is.
std::optional<InputText> read_if_present(const std::string &path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    return read_input_file(path);
}

// Does the file at `path` still have the bytes the index was made from?
// Unreadable counts as no: the YAML path then says why.
bool unchanged(const IndexStamp &stamp, const std::string &path) {
    try {
        return stamp.matches(read_input_file(path).text);
    } catch (const std::exception &) {
        return false;
    }
}

}  // namespace

std::optional<CpuTemplate> DataFiles::indexed_template(const std::string &key) {
    namespace fs = std::filesystem;
    if (index_dir_.empty() || !plain_template_name(key)) return std::nullopt;
    try {
        const auto in = read_if_present((fs::path(index_dir_) / (key + ".json")).string());
        if (!in) return std::nullopt;
        IndexedBaseline b = parse_index_baseline(*in, key);
        if (!unchanged(b.file, (fs::path(dir_) / (key + ".yaml")).string())) return std::nullopt;
        return std::move(b.t);
    } catch (const std::exception &e) {
        refuse(e.what());
        return std::nullopt;
    }
}

std::optional<GuestTable> DataFiles::indexed_guests() {
    if (guests_read_) return guests_;
    guests_read_ = true;
    if (index_dir_.empty()) return std::nullopt;
    try {
        const auto in = read_if_present((std::filesystem::path(index_dir_) / "guests.json").string());
        if (!in) return std::nullopt;
        IndexedGuests g = parse_index_guests(*in);
        if (unchanged(g.file, guests_path_)) guests_ = std::move(g.guests);
    } catch (const std::exception &e) {
        refuse(e.what());
    }
    return guests_;
}

TemplateLibrary DataFiles::templates_for(const Mode &mode, const std::string &vendor_id) {
    if (mode.kind == Mode::Kind::off || mode.kind == Mode::Kind::pool) return {};
    if (mode.kind == Mode::Kind::file) {
        ++yaml_reads_;
        return load_templates_for(mode, vendor_id, dir_);
    }
    const std::string key = template_key(mode, vendor_id);
    if (const auto it = loaded_.find(key); it != loaded_.end()) return {{key, it->second}};
    if (auto t = indexed_template(key)) {
        loaded_.emplace(key, *t);
        return {{key, std::move(*t)}};
    }
    ++yaml_reads_;
    TemplateLibrary lib = load_templates_for(mode, vendor_id, dir_);
    if (const auto it = lib.find(key); it != lib.end()) loaded_.emplace(key, it->second);
    return lib;
}

GuestLookup DataFiles::guest(const std::string &name, const std::string &context) {
    if (const auto &table = indexed_guests()) {
        const auto it = table->find(name);
        if (it == table->end())
            throw Error(guests_path_, 0, context + "no guest " + quote_text(name) + " (cpucompat guests lists them)");
        GuestLookup out{it->second, {}};
        // Its level through templates_for: from the index, or the mode's
        // baseline already read when it is the same one.
        if (!out.needs.level.empty()) out.levels = templates_for(Mode{Mode::Kind::level, out.needs.level}, "");
        return out;
    }
    ++yaml_reads_;
    const LoadedGuestTable t = load_guest_table_levels(guests_path_);
    const GuestNeeds &g = t.find(name, context);
    GuestLookup out{g, {}};
    if (!g.level.empty()) out.levels.emplace(g.level, t.levels.at(g.level));
    return out;
}

}  // namespace cpucompat
