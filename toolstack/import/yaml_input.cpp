#include "yaml_input.h"

#include <map>

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

}  // namespace

YAML::Node load_yaml(const InputText &in) {
    if (in.text.size() > kMaxStructuredBytes)
        throw Error(in.name, 0, "YAML input is larger than " + std::to_string(kMaxStructuredBytes >> 10) +
                                    " KiB; fingerprints, templates and settings are a few KiB");
    std::vector<YAML::Node> docs;
    try {
        docs = YAML::LoadAll(in.text);
    } catch (const YAML::Exception &e) {
        throw Error(in.name, e.mark.line >= 0 ? static_cast<unsigned>(e.mark.line) + 1 : 0, "invalid YAML: " + e.msg);
    }
    if (docs.size() > 1) throw Error(in.name, yaml_line(docs[1]), "more than one YAML document (a second one starts here)");
    if (docs.empty()) return YAML::Node();
    Walker{in}.walk(docs.front(), 0);
    return docs.front();
}

}  // namespace cpucompat
