#include "output.h"

#include "../core/text.h"

#include <cstdio>

namespace cpucompat {

std::string feature_location(const FeatureInfo &f) {
    const WordInfo &w = Catalogue::get().words().at(f.word());
    std::string reg = w.reg;
    for (char &c : reg) c = static_cast<char>(c - 'a' + 'A');
    if (w.source == WordSource::msr) {
        const unsigned bit = f.bit() + (reg == "EDX" ? 32 : 0);
        return "MSR " + hex(w.msr) + " bit " + std::to_string(bit);
    }
    const std::string leaf = hex(w.leaf) + (w.subleaf == kNoSubleaf ? "" : ":" + std::to_string(w.subleaf));
    return "CPUID " + leaf + " " + reg + " bit " + std::to_string(f.bit());
}

nlohmann::ordered_json feature_json(const FeatureInfo &f) {
    const WordInfo &w = Catalogue::get().words().at(f.word());
    nlohmann::ordered_json j{{"name", f.name}, {"word", f.word()}, {"bit", f.bit()}};
    if (w.source == WordSource::msr) {
        j["msr"] = hex(w.msr);
        j["msr_bit"] = f.bit() + (std::string(w.reg) == "edx" ? 32 : 0);
    } else {
        j["leaf"] = hex(w.leaf);
        j["subleaf"] = w.subleaf == kNoSubleaf ? nlohmann::ordered_json() : nlohmann::ordered_json(w.subleaf);
        j["register"] = w.reg;
    }
    return j;
}

std::string json_text(const nlohmann::ordered_json &j) {
    return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

nlohmann::ordered_json input_json(const Imported &in) {
    return {{"file", in.file}, {"format", format_name(in.format)},
            {"policy", in.section.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(in.section)}};
}

void print_policy(std::ostream &os, const std::string &title, const Policy &p, const std::vector<Imported> &inputs) {
    const auto names = Catalogue::get().names(p.features);
    os << terminal_safe(title) << "\n";
    for (const auto &i : inputs) os << "  input       " << i.describe() << "\n";
    os << "  vendor      " << terminal_safe(p.vendor_id) << " (" << vendor_short_name(p.vendor()) << ")\n"
       << "  signature   family " << hex(p.family) << " model " << hex(p.model) << " stepping " << p.stepping << "\n"
       << "  max leaves  basic " << hex(p.max_leaf) << ", leaf 7 subleaf " << p.max_subleaf7 << ", extended "
       << hex(p.max_extd_leaf) << "\n"
       << "  features    " << names.size() << ":";
    unsigned col = 0;
    for (const auto &n : names) {
        if (col + n.size() > 64) {
            os << "\n             ";
            col = 0;
        }
        os << " " << n;
        col += static_cast<unsigned>(n.size()) + 1;
    }
    os << "\n";
}

void print_compare(std::ostream &os, const CompareResult &r, const Policy &guest, const Policy &host) {
    if (r.compatible()) {
        os << "compatible: the guest policy runs on this host\n";
        return;
    }
    os << "incompatible:\n";
    if (r.vendor_mismatch)
        os << "  vendor: guest is " << terminal_safe(guest.vendor_id) << ", host is " << terminal_safe(host.vendor_id)
           << " (live migration impossible)\n";
    for (FeatureId id : r.missing) {
        const FeatureInfo *f = Catalogue::get().by_id(id);
        os << "  missing feature " << f->name << " (word " << f->word() << " bit " << f->bit() << ", " << feature_location(*f) << ")\n";
    }
    for (const auto &l : r.limits)
        os << "  limit " << l.what << ": guest " << hex(l.guest) << " > host " << hex(l.host) << "\n";
    for (const auto &n : r.unknown)
        os << "  unknown feature " << terminal_safe(n) << " (recorded by a build whose Xen knows it; this one cannot give it)\n";
}

nlohmann::ordered_json compare_json(const CompareResult &r, const Policy &guest, const Policy &host) {
    nlohmann::ordered_json j;
    j["compatible"] = r.compatible();
    j["vendor_mismatch"] = r.vendor_mismatch;
    j["guest_vendor"] = guest.vendor_id;
    j["host_vendor"] = host.vendor_id;
    j["missing"] = nlohmann::ordered_json::array();
    j["missing_detail"] = nlohmann::ordered_json::array();
    for (FeatureId id : r.missing) {
        const FeatureInfo *f = Catalogue::get().by_id(id);
        j["missing"].push_back(f->name);
        j["missing_detail"].push_back(feature_json(*f));
    }
    j["limits"] = nlohmann::ordered_json::array();
    for (const auto &l : r.limits) j["limits"].push_back({{"limit", l.what}, {"guest", l.guest}, {"host", l.host}});
    j["unknown_features"] = r.unknown;
    return j;
}

}  // namespace cpucompat
