// libFuzzer target for the kernel command line parser and editor: any bytes
// as a command line, an edit chosen by the first byte. The split must cover
// the line as the kernel would; an edit must leave its settings present once
// and the removed ones gone, change nothing when made twice, and an edit
// that only appended must be undone byte for byte by removing what it added.
#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>

#include "basic/kernel_params.h"
#include "fuzz_check.h"

namespace {

// Distinct settings (one key each), so that any subset is one consistent edit.
const char* const kSet[] = {"intel_iommu=on", "iommu=pt", "vfio-pci.ids=1002:6818", "video=HDMI-A-1:d"};
const char* const kRemove[] = {"amd_iommu=off", "nomodeset", "quiet", "console=ttyS0"};

// The oracle's own definitions, independent of the parser's: a blank is what
// the C locale's isspace() says (the kernel's isspace() agrees on ASCII), and
// a word's value is the word without its quotes.
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string unquote(std::string_view p) {
    std::string out;
    std::remove_copy(p.begin(), p.end(), std::back_inserter(out), '"');
    return out;
}

std::vector<std::string> words(std::string_view cmdline) {
    auto spans = vb::split_cmdline(cmdline);
    FUZZ_CHECK(spans.ok());
    return vb::split_words(*spans);
}

void check_split(std::string_view s, const std::vector<vb::ParamSpan>& spans) {
    size_t at = 0;
    for (const auto& p : spans) {
        FUZZ_CHECK(p.begin >= at && p.begin < p.end && p.end <= s.size());
        FUZZ_CHECK(p.text == s.substr(p.begin, p.end - p.begin));
        for (size_t i = at; i < p.begin; ++i) FUZZ_CHECK(is_space(s[i])); // only blanks between
        FUZZ_CHECK(std::count(p.text.begin(), p.text.end(), '"') % 2 == 0);
        at = p.end;
    }
    for (size_t i = at; i < s.size(); ++i) FUZZ_CHECK(is_space(s[i]));
    // Joined with single blanks, the words split the same again.
    auto again = words(vb::join_cmdline(vb::split_words(spans)));
    FUZZ_CHECK(again == vb::split_words(spans));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t pick = data[0];
    const std::string_view cmdline = fuzz::text_of(data + 1, size - 1);
    auto spans = vb::split_cmdline(cmdline);
    if (!spans) {
        FUZZ_CHECK(std::count(cmdline.begin(), cmdline.end(), '"') % 2 == 1);
        return 0;
    }
    check_split(cmdline, *spans);

    vb::ParamEdit edit;
    for (int i = 0; i < 4; ++i) {
        if (pick & (1u << i)) edit.set.push_back(kSet[i]);
        if (pick & (16u << i)) edit.remove.push_back(kRemove[i]);
    }
    // One of the line's own parameters removed too, when there is one to pick.
    // (Not one this edit also sets: set and remove the same is no edit vfio-setup makes.)
    if (!spans->empty() && (pick & 0x11) == 0x11) {
        const std::string own = (*spans)[pick % spans->size()].text;
        if (std::none_of(edit.set.begin(), edit.set.end(), [&](const std::string& s) { return s == unquote(own); }))
            edit.remove.push_back(own);
    }
    auto out = vb::apply_edit(cmdline, edit);
    FUZZ_CHECK(out.ok());
    FUZZ_CHECK(out->changed() == (out->cmdline != cmdline));
    const auto after = words(out->cmdline);
    for (const auto& want : edit.set) {
        size_t same = 0, exact = 0;
        for (const auto& w : after) {
            same += vb::same_setting(w, want);
            exact += unquote(w) == want;
        }
        FUZZ_CHECK(exact == 1 && same == 1);
    }
    for (const auto& r : edit.remove) {
        if (std::find(edit.set.begin(), edit.set.end(), r) != edit.set.end()) continue;
        for (const auto& w : after) FUZZ_CHECK(unquote(w) != unquote(r));
    }
    auto twice = vb::apply_edit(out->cmdline, edit);
    FUZZ_CHECK(twice.ok() && !twice->changed() && twice->cmdline == out->cmdline);

    if (out->removed.empty() && !out->added.empty()) {
        auto undo = vb::apply_edit(out->cmdline, vb::ParamEdit{{}, out->added});
        FUZZ_CHECK(undo.ok() && undo->cmdline == cmdline);
    }
    return 0;
}
