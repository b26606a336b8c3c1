// cpucompat guests: the guest table, what each guest OS needs of the CPU.
#include <iostream>
#include <memory>

#include "../core/catalogue.h"
#include "../core/error.h"
#include "../core/guest.h"
#include "../core/text.h"
#include "../import/guest_table.h"
#include "../import/template_yaml.h"
#include "commands.h"
#include "output.h"

namespace cpucompat {

namespace {

std::string needs_text(const GuestNeeds &n) {
    std::vector<std::string> needs = Catalogue::get().names(n.features);
    if (!n.level.empty()) needs.insert(needs.begin(), "level:" + n.level);
    return join(needs, " ");
}

}  // namespace

Runner add_guests(CLI::App &app, const GlobalOptions &g) {
    struct Opts { std::vector<std::string> names; std::string table; bool names_only = false; };
    auto o = std::make_shared<Opts>();
    auto *c = app.add_subcommand("guests", "What each guest OS needs of the CPU to boot: the guest table, or the named entries");
    c->add_option("NAME", o->names, "only these guests, with every feature they need");
    c->add_option("--table", o->table, "a guest table file (default: the installed guests.yaml)");
    c->add_flag("--names", o->names_only, "only the names, one per line");
    return [o, &g] {
        const LoadedGuestTable table = load_guest_table(o->table.empty() ? default_guest_table_path() : o->table);
        const TemplateLibrary &levels = table.levels;
        std::vector<const GuestNeeds *> shown;
        if (o->names.empty())
            for (const auto &[name, entry] : table.guests) shown.push_back(&entry);
        for (const auto &name : o->names) shown.push_back(&table.find(name));
        if (g.json) {
            nlohmann::ordered_json all = nlohmann::ordered_json::array();
            for (const GuestNeeds *n : shown) {
                nlohmann::ordered_json j;
                j["name"] = n->name;
                if (o->names_only) { all.push_back(j); continue; }
                j["description"] = n->description;
                j["level"] = n->level.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(n->level);
                j["features"] = Catalogue::get().names(n->features);
                j["minimum"] = Catalogue::get().names(guest_minimum(*n, levels));
                j["source"] = n->source;
                j["read"] = n->read;
                j["note"] = n->note;
                all.push_back(j);
            }
            std::cout << json_text(all);
            return 0;
        }
        for (const GuestNeeds *n : shown) {
            if (o->names_only) {
                std::cout << n->name << "\n";
                continue;
            }
            std::cout << n->name << ": " << terminal_safe(n->description) << "\n"
                      << "    needs   " << needs_text(*n) << "\n";
            if (!o->names.empty()) {
                std::cout << "    minimum " << join(Catalogue::get().names(guest_minimum(*n, levels)), " ") << "\n";
                if (!n->note.empty()) std::cout << "    note    " << terminal_safe(n->note) << "\n";
            }
            std::cout << "    source  " << terminal_safe(n->source) << " (read " << n->read << ")\n";
        }
        return 0;
    };
}

}  // namespace cpucompat
