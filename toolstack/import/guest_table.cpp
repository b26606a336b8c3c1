#include "guest_table.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "domain_record.h"
#include "template_yaml.h"
#include "yaml_input.h"

#include "../core/catalogue.h"
#include "../core/text.h"

namespace cpucompat {

namespace {

constexpr const char *kFormat = "cpucompat-guests/1";

std::string clean_text(const InputText &in, const YAML::Node &v, const std::string &key) {
    if (!v.IsScalar() || v.Scalar().empty()) throw Error(in.name, yaml_line(v), key + ": expected text");
    return yaml_clean_text(in, v, key);
}

bool iso_date(const std::string &s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (s[i] < '0' || s[i] > '9') return false;
    const int month = std::stoi(s.substr(5, 2)), day = std::stoi(s.substr(8, 2));
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

GuestNeeds parse_entry(const InputText &in, const YAML::Node &e, const TemplateLibrary &levels) {
    if (!e.IsMap()) throw Error(in.name, yaml_line(e), "guests: each entry is a mapping (name, description, level/features, source, read)");
    static const std::set<std::string> known{"name", "description", "level", "features", "source", "read", "note"};
    GuestNeeds g;
    unsigned features_line = 0, level_line = 0;
    for (const auto &kv : e) {
        const std::string key = kv.first.Scalar();
        const YAML::Node &v = kv.second;
        if (!known.count(key)) throw Error(in.name, yaml_line(kv.first), "unknown key " + quote_text(key));
        if (key == "features") {
            g.features = yaml_feature_list(in, v, "features");
            features_line = yaml_line(v);
            continue;
        }
        const std::string text = clean_text(in, v, key);
        if (key == "name") {
            if (!plain_guest_name(text))
                throw Error(in.name, yaml_line(v), "name: expected up to 64 of a-z, 0-9, '.', '+' or '-' (as users type it: rhel-9), got " +
                                                       quote_text(text));
            g.name = text;
        } else if (key == "description") g.description = text;
        else if (key == "note") g.note = text;
        else if (key == "level") g.level = text, level_line = yaml_line(v);
        else if (key == "source") {
            if (text.rfind("https://", 0) != 0 || text.find_first_of(" \t") != std::string::npos)
                throw Error(in.name, yaml_line(v), "source: expected an https:// URL, got " + quote_text(text));
            g.source = text;
        } else if (key == "read") {
            if (!iso_date(text)) throw Error(in.name, yaml_line(v), "read: expected the date it was read as YYYY-MM-DD, got " + quote_text(text));
            g.read = text;
        }
    }
    const std::pair<const char *, const std::string *> required[] = {
        {"name", &g.name}, {"description", &g.description}, {"source", &g.source}, {"read", &g.read}};
    for (const auto &[key, value] : required)
        if (value->empty())
            throw Error(in.name, yaml_line(e), (g.name.empty() ? std::string("a guest entry") : "guest " + quote_text(g.name)) + ": missing key " +
                                                   quote_text(key));
    if (g.level.empty() && g.features.empty())
        throw Error(in.name, yaml_line(e), "guest " + quote_text(g.name) + ": give a level, features or both: what it needs");
    if (!g.level.empty()) {
        const auto it = levels.find(g.level);
        if (it == levels.end()) throw Error(in.name, level_line, "level: no baseline " + quote_text(g.level) + " (cpucompat level --list names them)");
        if (!it->second.require) throw Error(in.name, level_line, "level: " + quote_text(g.level) + " requires no features, so it names no minimum");
        const Featureset again = g.features & *it->second.require;
        if (!again.empty())
            throw Error(in.name, features_line, "features: " + join(Catalogue::get().names(again), ", ") + " already required by level " + g.level);
    }
    return g;
}

GuestTable parse_guest_root(const InputText &in, const YAML::Node &root, const TemplateLibrary &levels) {
    if (!root.IsMap()) throw Error(in.name, 0, std::string("a guest table is a mapping: format: ") + kFormat + ", guests: [...]");
    YAML::Node guests;
    bool format_seen = false;
    for (const auto &kv : root) {
        const std::string key = kv.first.Scalar();
        if (key == "format") {
            if (!kv.second.IsScalar() || kv.second.Scalar() != kFormat)
                throw Error(in.name, yaml_line(kv.second), std::string("format: this build reads ") + kFormat + ", not " +
                                                               quote_text(kv.second.IsScalar() ? kv.second.Scalar() : "(not text)"));
            format_seen = true;
        } else if (key == "guests") {
            if (!kv.second.IsSequence()) throw Error(in.name, yaml_line(kv.second), "guests: expected a list of guest entries");
            guests = kv.second;
        } else throw Error(in.name, yaml_line(kv.first), "unknown key " + quote_text(key) + " (known: format, guests)");
    }
    if (!format_seen) throw Error(in.name, 0, std::string("missing key \"format\" (") + kFormat + ")");
    if (!guests) throw Error(in.name, 0, "missing key \"guests\"");
    GuestTable table;
    for (const auto &e : guests) {
        GuestNeeds g = parse_entry(in, e, levels);
        if (table.count(g.name)) throw Error(in.name, yaml_line(e), "guest " + quote_text(g.name) + " is listed twice");
        table.emplace(g.name, std::move(g));
    }
    if (table.empty()) throw Error(in.name, yaml_line(guests), "guests: the list is empty");
    return table;
}

}  // namespace

GuestTable parse_guest_table(const InputText &in, const TemplateLibrary &levels) {
    check_input_text(in);
    return parse_guest_root(in, load_yaml(in), levels);
}

LoadedGuestTable load_guest_table(const std::string &path) {
    LoadedGuestTable t{path, load_template_library(default_data_dir()), {}};
    t.guests = parse_guest_table(read_input_file(path), t.levels);
    return t;
}

LoadedGuestTable load_guest_table_levels(const std::string &path) {
    const InputText in = read_input_file(path);
    check_input_text(in);
    const YAML::Node root = load_yaml(in);
    LoadedGuestTable t{path, {}, {}};
    // The levels its entries name, each read alone by its key (a name that
    // is not a baseline's file makes load_templates_for read them all, and
    // the table's check then says what is wrong, as load_guest_table would).
    if (root.IsMap() && root["guests"] && root["guests"].IsSequence())
        for (const auto &e : root["guests"])
            if (e.IsMap() && e["level"] && e["level"].IsScalar() && !t.levels.count(e["level"].Scalar()))
                t.levels.merge(load_templates_for(Mode{Mode::Kind::level, e["level"].Scalar()}, "", default_data_dir()));
    t.guests = parse_guest_root(in, root, t.levels);
    return t;
}

const GuestNeeds &LoadedGuestTable::find(const std::string &name, const std::string &context) const {
    const auto it = guests.find(name);
    if (it == guests.end()) throw Error(path, 0, context + "no guest " + quote_text(name) + " (cpucompat guests lists them)");
    return it->second;
}

std::string guest_table_path_beside(const std::string &baselines_dir) {
    return (std::filesystem::path(baselines_dir).parent_path() / "guests.yaml").string();
}

std::string default_guest_table_path() { return guest_table_path_beside(default_data_dir()); }

RecordedGuestVerdict recorded_guest_verdict(const DomainRecord &rec, const LoadedGuestTable &table) {
    RecordedGuestVerdict v;
    if (rec.guest_os.empty()) return v;
    const auto it = table.guests.find(rec.guest_os);
    if (it == table.guests.end()) {
        v.unknown = true;
        return v;
    }
    const Featureset minimum = guest_minimum(it->second, table.levels, rec.guest);
    v.refusal = guest_refusal(rec.guest_os, Catalogue::get().names(guest_missing(rec.policy.features, minimum)), rec.mode, false);
    return v;
}

}  // namespace cpucompat
