#include "yaml_input.h"

#include <map>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

#include "../core/catalogue.h"
#include "../core/text.h"

namespace cpucompat {

namespace {

// No file of ours nests deeper than 4 or has a million nodes; the limits
// stop a hostile one (deep nesting, aliases that multiply a subtree) from
// taking the stack or the time.
constexpr unsigned kMaxDepth = 32;
constexpr std::size_t kMaxNodes = 1u << 20;

struct Walker {
    const InputText &in;
    std::size_t nodes = 0;

    void walk(const YAML::Node &n, unsigned depth) {
        if (++nodes > kMaxNodes) throw Error(in.name, yaml_line(n), "YAML expands to more than " + std::to_string(kMaxNodes) + " nodes (aliases?)");
        if (depth > kMaxDepth) throw Error(in.name, yaml_line(n), "YAML nested deeper than " + std::to_string(kMaxDepth) + " levels");
        if (n.IsSequence()) {
            for (const auto &item : n) walk(item, depth + 1);
        } else if (n.IsMap()) {
            std::map<std::string, unsigned> seen;
            for (const auto &kv : n) {
                if (!kv.first.IsScalar()) throw Error(in.name, yaml_line(kv.first), "a mapping key must be a plain name");
                const auto [it, fresh] = seen.emplace(kv.first.Scalar(), yaml_line(kv.first));
                if (!fresh)
                    throw Error(in.name, yaml_line(kv.first), "duplicate key " + quote_text(kv.first.Scalar()) + " (first at line " +
                                                                 std::to_string(it->second) + ")");
                walk(kv.second, depth + 1);
            }
        }
    }
};

// Counts documents without building them. yaml-cpp's LoadAll() is not used:
// on some inputs it keeps yielding empty documents until memory runs out
// (found by fuzz_fingerprint_yaml).
struct DocumentCounter : YAML::EventHandler {
    unsigned documents = 0;
    YAML::Mark second;
    void OnDocumentStart(const YAML::Mark &m) override {
        if (++documents == 2) second = m;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark &, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark &, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark &, const std::string &, YAML::anchor_t, const std::string &) override {}
    void OnSequenceStart(const YAML::Mark &, const std::string &, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark &, const std::string &, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

}  // namespace

YAML::Node load_yaml(const InputText &in) {
    if (in.text.size() > kMaxStructuredBytes)
        throw Error(in.name, 0, "YAML input is larger than " + std::to_string(kMaxStructuredBytes >> 10) +
                                    " KiB; fingerprints, templates and settings are a few KiB");
    YAML::Node doc;
    try {
        std::istringstream text(in.text);
        YAML::Parser parser(text);
        DocumentCounter counter;
        for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
        }
        if (counter.documents > 1)
            throw Error(in.name, static_cast<unsigned>(counter.second.line) + 1, "more than one YAML document (a second one starts here)");
        doc = YAML::Load(in.text);
    } catch (const YAML::Exception &e) {
        throw Error(in.name, e.mark.line >= 0 ? static_cast<unsigned>(e.mark.line) + 1 : 0, "invalid YAML: " + e.msg);
    }
    Walker{in}.walk(doc, 0);
    return doc;
}

std::string yaml_clean_text(const InputText &in, const YAML::Node &scalar, const std::string &key) {
    const std::string &s = scalar.Scalar();
    if (terminal_safe(s) != s) throw Error(in.name, yaml_line(scalar), key + ": control characters or invalid UTF-8 in " + quote_text(s));
    return s;
}

Featureset yaml_feature_list(const InputText &in, const YAML::Node &n, const char *key) {
    if (!n.IsSequence()) throw Error(in.name, yaml_line(n), std::string(key) + ": expected a list of feature names");
    Featureset fs;
    for (const auto &item : n) {
        if (!item.IsScalar()) throw Error(in.name, yaml_line(item), std::string(key) + ": expected a feature name");
        const FeatureInfo *f = Catalogue::get().find(item.Scalar());
        if (!f) throw Error(in.name, yaml_line(item), std::string(key) + ": unknown feature " + quote_text(item.Scalar()));
        if (fs.test(f->id)) throw Error(in.name, yaml_line(item), std::string(key) + ": " + quote_text(item.Scalar()) + " is listed twice");
        fs.set(f->id);
    }
    return fs;
}

}  // namespace cpucompat
