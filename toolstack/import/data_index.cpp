#include "data_index.h"

#include <filesystem>
#include <sstream>

#include "../core/catalogue.h"
#include "../core/error.h"
#include "../core/fnv.h"
#include "../core/text.h"
#include "../core/vendor.h"
#include "guest_table.h"
#include "input_file.h"
#include "template_yaml.h"

namespace cpucompat {

namespace {

// A compiled entry that fails a check: a build gone wrong, so the caller
// warns and reads the YAML. Error "compiled data index: WHAT: WHERE: why".
struct EntryCheck {
    std::string what;

    [[noreturn]] void bad(const std::string &where, const std::string &why) const {
        throw Error("compiled data index: " + what + ": " + where + ": " + why);
    }

    Featureset features(const char *list, const std::string &where) const {
        if (!list) bad(where, "no list");
        Featureset fs;
        std::istringstream in(list);
        for (std::string n; in >> n;) {
            const FeatureInfo *f = Catalogue::get().find(n);
            if (!f) bad(where, "unknown feature " + quote_text(n));
            if (fs.test(f->id)) bad(where, "feature " + quote_text(n) + " listed twice");
            fs.set(f->id);
        }
        return fs;
    }

    std::optional<uint32_t> limit(int64_t v, const std::string &where) const {
        if (v == -1) return std::nullopt;
        if (v < 0 || v > 0xffffffffll) bad(where, "expected -1 or a 32-bit limit");
        return static_cast<uint32_t>(v);
    }
};

CpuTemplate from_compiled(const CompiledBaseline &b) {
    const EntryCheck c{std::string("baseline ") + quote_text(b.name ? b.name : "")};
    if (!b.name || !plain_template_name(b.name)) c.bad("name", "not a plain template name");
    CpuTemplate t;
    t.name = b.name;
    if (!b.vendor_id) c.bad("vendor", "none");
    t.vendor_id = b.vendor_id;
    if (!t.vendor_id.empty() && !printable_vendor_id(t.vendor_id)) c.bad("vendor", "expected 12 printable characters");
    if (b.require) t.require = c.features(b.require, "require");
    t.hide = c.features(b.hide, "hide");
    t.max_leaf = c.limit(b.max_leaf, "max_leaf");
    t.max_extd_leaf = c.limit(b.max_extd_leaf, "max_extd_leaf");
    t.max_subleaf7 = c.limit(b.max_subleaf7, "max_subleaf7");
    if (const auto p = template_problem(t)) c.bad(p->key, p->message);
    return t;
}

GuestTable from_compiled(const CompiledGuest *guests, std::size_t count) {
    GuestTable out;
    for (std::size_t i = 0; i < count; ++i) {
        const CompiledGuest &e = guests[i];
        const EntryCheck c{std::string("guest ") + quote_text(e.name ? e.name : "")};
        if (!e.name || !plain_guest_name(e.name)) c.bad("name", "not a plain guest name");
        GuestNeeds g;
        g.name = e.name;
        if (!e.level) c.bad("level", "none");
        g.level = e.level;
        if (!g.level.empty() && !plain_template_name(g.level)) c.bad("level", "not a plain template name");
        g.features = c.features(e.features, "features");
        if (g.level.empty() && g.features.empty()) c.bad("entry", "needs nothing");
        if (!out.emplace(g.name, g).second) c.bad("name", "listed twice");
    }
    return out;
}

// A C++ string literal for any bytes (octal escapes: they end after three
// digits, so the next character cannot extend one).
std::string c_literal(const std::string &s) {
    std::string out = "\"";
    for (const unsigned char ch : s) {
        if (ch == '\\' || ch == '"' || ch < 0x20 || ch > 0x7e) {
            const char esc[] = {'\\', static_cast<char>('0' + (ch >> 6)), static_cast<char>('0' + ((ch >> 3) & 7)),
                                static_cast<char>('0' + (ch & 7)), 0};
            out += esc;
        } else {
            out += static_cast<char>(ch);
        }
    }
    return out + "\"";
}

std::string name_list(const Featureset &fs) {
    std::string out;
    for (const auto &n : Catalogue::get().names(fs)) out += (out.empty() ? "" : " ") + n;
    return out;
}

std::string stamp_source(const IndexStamp &s) {
    std::ostringstream o;
    o << "{" << s.bytes << "ull, 0x" << std::hex << s.fnv1a64 << "ull}";
    return o.str();
}

int64_t limit_source(const std::optional<uint32_t> &v) { return v ? static_cast<int64_t>(*v) : -1; }

}  // namespace

bool IndexStamp::matches(const std::string &text) const {
    const IndexStamp now = index_stamp(text);
    return now.bytes == bytes && now.fnv1a64 == fnv1a64;
}

IndexStamp index_stamp(const std::string &text) {
    Fnv1a64 f;
    f.bytes(text);
    return IndexStamp{text.size(), f.value()};
}

std::string data_index_source(const std::string &baselines_dir, const std::string &guest_table_path) {
    namespace fs = std::filesystem;
    const TemplateLibrary lib = load_template_library(baselines_dir);  // every file checked, names unique
    const InputText table_text = read_input_file(guest_table_path);
    const GuestTable guests = parse_guest_table(table_text, lib);
    if (lib.empty() || guests.empty()) throw Error(baselines_dir + ": no baselines or no guests to index");
    std::ostringstream o;
    o << "// Generated by gen_index (toolstack/gen/gen_index.cpp) from the baselines\n"
         "// and the guest table: the plugin's compiled data index. Do not edit.\n"
         "#include \"toolstack/import/data_index.h\"\n\n"
         "namespace cpucompat {\n\nnamespace {\n\nconst CompiledBaseline kBaselines[] = {\n";
    for (const auto &[name, t] : lib) {
        const IndexStamp file = index_stamp(read_input_file((fs::path(baselines_dir) / (name + ".yaml")).string()).text);
        o << "    {" << c_literal(name) << ", " << stamp_source(file) << ", " << c_literal(t.vendor_id) << ",\n     "
          << (t.require ? c_literal(name_list(*t.require)) : "nullptr") << ",\n     " << c_literal(name_list(t.hide)) << ", "
          << limit_source(t.max_leaf) << ", " << limit_source(t.max_extd_leaf) << ", " << limit_source(t.max_subleaf7) << "},\n";
    }
    o << "};\n\nconst CompiledGuest kGuests[] = {\n";
    for (const auto &[name, g] : guests)
        o << "    {" << c_literal(name) << ", " << c_literal(g.level) << ", " << c_literal(name_list(g.features)) << "},\n";
    o << "};\n\n}  // namespace\n\nextern const CompiledIndex kBuiltDataIndex = {kBaselines, " << lib.size() << ", "
      << stamp_source(index_stamp(table_text.text)) << ", kGuests, " << guests.size() << "};\n\n}  // namespace cpucompat\n";
    return o.str();
}

DataFiles::DataFiles(std::string baselines_dir, std::string guest_table_path, const CompiledIndex *index)
    : dir_(std::move(baselines_dir)), guests_path_(std::move(guest_table_path)), index_(index) {}

void DataFiles::refuse(const std::string &why) {
    if (problem_.empty()) problem_ = why + " (not used: the YAML is read instead)";
}

namespace {

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
    if (!index_) return std::nullopt;
    for (std::size_t i = 0; i < index_->baseline_count; ++i) {
        const CompiledBaseline &b = index_->baselines[i];
        if (!b.name || key != b.name) continue;
        if (!unchanged(b.file, (std::filesystem::path(dir_) / (key + ".yaml")).string())) return std::nullopt;
        try {
            return from_compiled(b);
        } catch (const std::exception &e) {
            refuse(e.what());
            return std::nullopt;
        }
    }
    return std::nullopt;
}

std::optional<GuestTable> DataFiles::indexed_guests() {
    if (guests_read_) return guests_;
    guests_read_ = true;
    if (!index_ || !unchanged(index_->guests_file, guests_path_)) return std::nullopt;
    try {
        guests_ = from_compiled(index_->guests, index_->guest_count);
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
