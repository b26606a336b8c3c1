#include "fingerprint.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>
#include <vector>

#include "yaml_input.h"

#include "../core/catalogue.h"
#include "../core/error.h"
#include "../core/text.h"

namespace cpucompat {

namespace {

// A source-independent view of one document node, so JSON and YAML share
// one reader with one set of checks and messages.
struct Node {
    virtual ~Node() = default;
    virtual bool has(const char *key) const = 0;
    virtual std::unique_ptr<Node> at(const char *key) const = 0;
    virtual bool is_list() const = 0;
    virtual std::size_t size() const = 0;
    virtual std::unique_ptr<Node> item(std::size_t i) const = 0;
    virtual std::string str() const = 0;      // throws Error if not a scalar
    virtual uint64_t number() const = 0;      // accepts 123 and "0x7b"
    virtual unsigned line() const = 0;        // 0 when unknown
    virtual std::vector<std::string> keys() const = 0;  // of a mapping, in order
    std::string where;                        // "features[3]"
};

const std::set<std::string> kTopKeys{"format", "vendor", "family", "model", "stepping", "max_leaf", "max_extd_leaf",
                                     "max_subleaf7", "features", "leaves", "msrs", "inputs"};
const std::set<std::string> kLeafKeys{"leaf", "subleaf", "eax", "ebx", "ecx", "edx"};
const std::set<std::string> kMsrKeys{"index", "value"};

std::string names_of(const Featureset &fs, std::size_t most = 8) {
    const auto names = Catalogue::get().names(fs);
    std::string s;
    for (std::size_t i = 0; i < names.size() && i < most; ++i) s += (s.empty() ? "" : " ") + names[i];
    if (names.size() > most) s += " (+" + std::to_string(names.size() - most) + " more)";
    return s;
}

class Reader {
public:
    Reader(std::string file, std::vector<std::string> *unknown = nullptr) : file_(std::move(file)), unknown_(unknown) {}
    [[noreturn]] void fail(const Node &n, const std::string &msg) const {
        throw Error(file_, n.line(), (n.where.empty() ? "" : n.where + ": ") + msg);
    }

    Policy read(const Node &root) const {
        if (!root.has("vendor")) fail(root, "missing key \"vendor\" (not a cpucompat fingerprint)");
        known_keys(root, kTopKeys);
        if (root.has("format")) {
            const std::string f = root.at("format")->str();
            if (f != kFingerprintFormat) fail(*root.at("format"), "unsupported format " + quote_text(f) + "; expected " + kFingerprintFormat);
        }
        Policy p;
        p.vendor_id = root.at("vendor")->str();
        if (!printable_vendor_id(p.vendor_id))
            fail(*root.at("vendor"), "vendor id must be 12 printable ASCII characters, e.g. \"GenuineIntel\"; got " + quote_text(p.vendor_id));
        p.family = u32(root, "family");
        p.model = u32(root, "model");
        p.stepping = u32(root, "stepping");
        p.max_leaf = u32(root, "max_leaf");
        p.max_extd_leaf = u32(root, "max_extd_leaf");
        p.max_subleaf7 = u32(root, "max_subleaf7");
        if (!root.has("features")) fail(root, "missing key \"features\"");
        auto feats = root.at("features");
        if (!feats->is_list()) fail(*feats, "must be a list of feature names");
        for (std::size_t i = 0; i < feats->size(); ++i) {
            auto f = feats->item(i);
            const std::string name = f->str();
            const FeatureInfo *info = Catalogue::get().find(name);
            if (!info && unknown_ && fold_name(name) == name && terminal_safe(name) == name && !name.empty()) {
                if (std::find(unknown_->begin(), unknown_->end(), name) != unknown_->end()) fail(*f, "feature " + quote_text(name) + " is listed twice");
                unknown_->push_back(name);  // a newer Xen's: kept, judged by the caller
                continue;
            }
            if (!info) fail(*f, "unknown feature " + quote_text(name));
            if (p.features.test(info->id)) fail(*f, "feature " + quote_text(name) + " is listed twice");
            p.features.set(info->id);
        }
        // A guest cannot see a feature beyond the limits: listing one is a
        // contradiction (a cut or edited file), not something to guess at.
        if (const Featureset beyond = p.features.minus(reachable_features(p)); !beyond.empty())
            fail(*feats, "lists " + names_of(beyond) + ", whose CPUID leaves lie beyond max_leaf " + hex(p.max_leaf) +
                             " / max_extd_leaf " + hex(p.max_extd_leaf) + " / max_subleaf7 " + std::to_string(p.max_subleaf7));
        if (root.has("leaves")) {
            auto ls = root.at("leaves");
            if (!ls->is_list()) fail(*ls, "must be a list");
            for (std::size_t i = 0; i < ls->size(); ++i) {
                auto l = ls->item(i);
                known_keys(*l, kLeafKeys);
                const LeafKey key{u32(*l, "leaf"), l->has("subleaf") ? u32(*l, "subleaf") : kNoSubleaf};
                const std::string at = "leaf " + hex(key.first, 8) + ":" + hex(key.second, 8);
                if (!plausible_subleaf(key.second)) fail(*l, at + ": subleaf out of range");
                if (!leaf_in_range(p, key.first, key.second)) fail(*l, at + " lies beyond the fingerprint's own limits");
                if (!p.leaves.emplace(key, Regs{u32(*l, "eax"), u32(*l, "ebx"), u32(*l, "ecx"), u32(*l, "edx")}).second)
                    fail(*l, "duplicate " + at);
            }
        }
        if (root.has("msrs")) {
            auto ms = root.at("msrs");
            if (!ms->is_list()) fail(*ms, "must be a list");
            for (std::size_t i = 0; i < ms->size(); ++i) {
                auto m = ms->item(i);
                known_keys(*m, kMsrKeys);
                if (!m->has("value")) fail(*m, "missing key \"value\"");
                if (!p.msrs.emplace(u32(*m, "index"), m->at("value")->number()).second) fail(*m, "duplicate MSR " + hex(u32(*m, "index"), 8));
            }
        }
        if (!p.leaves.empty()) agree_with_leaves(root, p);
        return p;
    }

private:
    void known_keys(const Node &n, const std::set<std::string> &known) const {
        for (const auto &k : n.keys())
            if (!known.count(k)) fail(n, "unknown key " + quote_text(k));
    }

    // The raw leaves are what the named fields were decoded from: each field
    // must say what the leaves say.
    void agree_with_leaves(const Node &root, const Policy &p) const {
        Policy derived;
        try {
            derived = policy_from_leaves(p.leaves, p.msrs);
        } catch (const Error &e) {
            fail(*root.at("leaves"), e.message());
        }
        const std::pair<const char *, std::pair<uint64_t, uint64_t>> fields[] = {
            {"family", {p.family, derived.family}},       {"model", {p.model, derived.model}},
            {"stepping", {p.stepping, derived.stepping}}, {"max_leaf", {p.max_leaf, derived.max_leaf}},
            {"max_extd_leaf", {p.max_extd_leaf, derived.max_extd_leaf}},
            {"max_subleaf7", {p.max_subleaf7, derived.max_subleaf7}}};
        if (derived.vendor_id != p.vendor_id)
            fail(*root.at("vendor"), quote_text(p.vendor_id) + " contradicts leaf 0, which says " + quote_text(derived.vendor_id));
        for (const auto &[key, v] : fields)
            if (v.first != v.second) fail(*root.at(key), hex(v.first) + " contradicts the leaves, which say " + hex(v.second));
        if (derived.features != p.features) {
            std::string msg = "contradicts the leaves:";
            if (const Featureset extra = p.features.minus(derived.features); !extra.empty()) msg += " listed but not in the leaves: " + names_of(extra) + ";";
            if (const Featureset lost = derived.features.minus(p.features); !lost.empty()) msg += " in the leaves but not listed: " + names_of(lost) + ";";
            msg.pop_back();
            fail(*root.at("features"), msg);
        }
    }

    uint32_t u32(const Node &n, const char *key) const {
        if (!n.has(key)) fail(n, std::string("missing key \"") + key + "\"");
        auto v = n.at(key);
        const uint64_t x = v->number();
        if (x > 0xffffffffu) fail(*v, "value does not fit in 32 bits");
        return static_cast<uint32_t>(x);
    }
    std::string file_;
    std::vector<std::string> *unknown_;
};

uint64_t parse_number(const std::string &s, const Node &n, const Reader &r) {
    if (s.empty()) r.fail(n, "expected a number");
    try {
        std::size_t used = 0;
        const bool hexa = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        if (s[0] == '-' || s[0] == '+') throw std::invalid_argument("sign");
        const uint64_t v = std::stoull(s, &used, hexa ? 16 : 10);
        if (used != s.size()) throw std::invalid_argument("trailing");
        return v;
    } catch (const std::exception &) {
        r.fail(n, "expected a number, got \"" + s.substr(0, 40) + "\"");
    }
}

class JsonNode : public Node {
public:
    JsonNode(const nlohmann::json &j, std::string w, const Reader &r) : j_(j), r_(r) { where = std::move(w); }
    bool has(const char *key) const override { return j_.is_object() && j_.contains(key); }
    std::unique_ptr<Node> at(const char *key) const override {
        return std::make_unique<JsonNode>(j_.at(key), where.empty() ? key : where + "." + key, r_);
    }
    bool is_list() const override { return j_.is_array(); }
    std::size_t size() const override { return j_.size(); }
    std::unique_ptr<Node> item(std::size_t i) const override {
        return std::make_unique<JsonNode>(j_.at(i), where + "[" + std::to_string(i) + "]", r_);
    }
    std::string str() const override {
        if (!j_.is_string()) r_.fail(*this, "expected a string");
        return j_.get<std::string>();
    }
    uint64_t number() const override {
        if (j_.is_number_unsigned()) return j_.get<uint64_t>();
        if (j_.is_string()) return parse_number(j_.get<std::string>(), *this, r_);
        r_.fail(*this, "expected a non-negative integer");
    }
    unsigned line() const override { return 0; }
    std::vector<std::string> keys() const override {
        std::vector<std::string> out;
        if (j_.is_object())
            for (const auto &kv : j_.items()) out.push_back(kv.key());
        return out;
    }

private:
    const nlohmann::json &j_;
    const Reader &r_;
};

class YamlNode : public Node {
public:
    YamlNode(YAML::Node n, std::string w, const Reader &r) : n_(std::move(n)), r_(r) { where = std::move(w); }
    bool has(const char *key) const override { return n_.IsMap() && n_[key]; }
    std::unique_ptr<Node> at(const char *key) const override {
        return std::make_unique<YamlNode>(n_[key], where.empty() ? key : where + "." + key, r_);
    }
    bool is_list() const override { return n_.IsSequence(); }
    std::size_t size() const override { return n_.size(); }
    std::unique_ptr<Node> item(std::size_t i) const override {
        return std::make_unique<YamlNode>(n_[i], where + "[" + std::to_string(i) + "]", r_);
    }
    std::string str() const override {
        if (!n_.IsScalar()) r_.fail(*this, "expected a string");
        return n_.Scalar();
    }
    uint64_t number() const override {
        if (!n_.IsScalar()) r_.fail(*this, "expected a number");
        return parse_number(n_.Scalar(), *this, r_);
    }
    unsigned line() const override { return n_.Mark().line >= 0 ? static_cast<unsigned>(n_.Mark().line) + 1 : 0; }
    std::vector<std::string> keys() const override {
        std::vector<std::string> out;
        if (n_.IsMap())
            for (const auto &kv : n_) out.push_back(kv.first.Scalar());
        return out;
    }

private:
    YAML::Node n_;
    const Reader &r_;
};

unsigned line_of_offset(const std::string &text, std::size_t off) {
    unsigned line = 1;
    for (std::size_t i = 0; i < off && i < text.size(); ++i) line += text[i] == '\n';
    return line;
}

}  // namespace

nlohmann::ordered_json policy_to_json(const Policy &p, bool with_raw) {
    nlohmann::ordered_json j;
    j["format"] = kFingerprintFormat;
    j["vendor"] = p.vendor_id;
    j["family"] = p.family;
    j["model"] = p.model;
    j["stepping"] = p.stepping;
    j["max_leaf"] = p.max_leaf;
    j["max_extd_leaf"] = p.max_extd_leaf;
    j["max_subleaf7"] = p.max_subleaf7;
    j["features"] = Catalogue::get().names(p.features);
    if (with_raw) {
        j["leaves"] = nlohmann::ordered_json::array();
        for (const auto &[k, r] : p.leaves)
            j["leaves"].push_back({{"leaf", hex(k.first, 8)}, {"subleaf", hex(k.second, 8)}, {"eax", hex(r.a, 8)},
                                   {"ebx", hex(r.b, 8)}, {"ecx", hex(r.c, 8)}, {"edx", hex(r.d, 8)}});
        j["msrs"] = nlohmann::ordered_json::array();
        for (const auto &[idx, v] : p.msrs) j["msrs"].push_back({{"index", hex(idx, 8)}, {"value", hex(v, 16)}});
    }
    return j;
}

std::string policy_to_yaml(const Policy &p, bool with_raw) {
    YAML::Emitter e;
    e << YAML::BeginMap;
    e << YAML::Key << "format" << YAML::Value << kFingerprintFormat;
    e << YAML::Key << "vendor" << YAML::Value << YAML::DoubleQuoted << p.vendor_id;
    e << YAML::Key << "family" << YAML::Value << p.family;
    e << YAML::Key << "model" << YAML::Value << p.model;
    e << YAML::Key << "stepping" << YAML::Value << p.stepping;
    e << YAML::Key << "max_leaf" << YAML::Value << hex(p.max_leaf, 8);
    e << YAML::Key << "max_extd_leaf" << YAML::Value << hex(p.max_extd_leaf, 8);
    e << YAML::Key << "max_subleaf7" << YAML::Value << p.max_subleaf7;
    e << YAML::Key << "features" << YAML::Value << YAML::Flow << Catalogue::get().names(p.features);
    if (with_raw) {
        e << YAML::Key << "leaves" << YAML::Value << YAML::BeginSeq;
        for (const auto &[k, r] : p.leaves)
            e << YAML::Flow << YAML::BeginMap << YAML::Key << "leaf" << YAML::Value << hex(k.first, 8) << YAML::Key << "subleaf"
              << YAML::Value << hex(k.second, 8) << YAML::Key << "eax" << YAML::Value << hex(r.a, 8) << YAML::Key << "ebx"
              << YAML::Value << hex(r.b, 8) << YAML::Key << "ecx" << YAML::Value << hex(r.c, 8) << YAML::Key << "edx"
              << YAML::Value << hex(r.d, 8) << YAML::EndMap;
        e << YAML::EndSeq;
        e << YAML::Key << "msrs" << YAML::Value << YAML::BeginSeq;
        for (const auto &[idx, v] : p.msrs)
            e << YAML::Flow << YAML::BeginMap << YAML::Key << "index" << YAML::Value << hex(idx, 8) << YAML::Key << "value"
              << YAML::Value << hex(v, 16) << YAML::EndMap;
        e << YAML::EndSeq;
    }
    e << YAML::EndMap;
    return std::string(e.c_str()) + "\n";
}

bool looks_like_json(const std::string &text) {
    const auto i = text.find_first_not_of(" \t\r\n");
    return i != std::string::npos && text[i] == '{';
}

Policy policy_from_json(const nlohmann::json &j, const std::string &where, std::vector<std::string> *unknown_features) {
    Reader r(where, unknown_features);
    if (!j.is_object()) throw Error(where, 0, "expected a JSON object");
    return r.read(JsonNode(j, "", r));
}

nlohmann::json parse_json_strict(const std::string &text, const std::string &name) {
    if (text.size() > kMaxStructuredBytes)
        throw Error(name, 0, "JSON input is larger than " + std::to_string(kMaxStructuredBytes >> 10) + " KiB; a fingerprint or record is a few KiB");
    // nlohmann keeps the last of two equal keys; the callback sees every key
    // of every object, so a key given twice is refused instead.
    std::vector<std::set<std::string>> open;  // keys of each object being parsed
    std::string dup;
    bool too_deep = false;
    const auto cb = [&](int depth, nlohmann::json::parse_event_t ev, nlohmann::json &parsed) {
        using E = nlohmann::json::parse_event_t;
        too_deep |= depth > 32;
        if (ev == E::object_start) open.emplace_back();
        else if (ev == E::object_end && !open.empty()) open.pop_back();
        else if (ev == E::key && !open.empty() && !open.back().insert(parsed.get<std::string>()).second && dup.empty())
            dup = parsed.get<std::string>();
        return true;
    };
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text, cb);
    } catch (const nlohmann::json::parse_error &e) {
        throw Error(name, line_of_offset(text, e.byte), std::string("invalid JSON: ") + e.what());
    } catch (const nlohmann::json::exception &e) {  // e.g. out_of_range: a number too large for a double
        throw Error(name, 0, std::string("invalid JSON: ") + e.what());
    }
    if (too_deep) throw Error(name, 0, "JSON nested deeper than 32 levels");
    if (!dup.empty()) throw Error(name, 0, "duplicate key " + quote_text(dup) + " in one JSON object");
    return j;
}

Policy parse_fingerprint_json(const InputText &in) { return policy_from_json(parse_json_strict(in.text, in.name), in.name); }

Policy parse_fingerprint_yaml(const InputText &in) {
    const YAML::Node root = load_yaml(in);
    Reader r(in.name);
    if (!root.IsMap()) throw Error(in.name, 0, "not a recognised fingerprint (xen-cpuid -p, InstLatx64, cpuid -r, JSON or YAML)");
    try {
        return r.read(YamlNode(root, "", r));
    } catch (const YAML::Exception &e) {
        throw Error(in.name, e.mark.line >= 0 ? static_cast<unsigned>(e.mark.line) + 1 : 0, "invalid YAML: " + e.msg);
    }
}

}  // namespace cpucompat
