// libFuzzer target for the BLS entry parser and editor: any bytes as a
// loader/entries/*.conf (or as /etc/kernel/cmdline, by the first byte).
// An edit must read back with what it set and without what it removed,
// change nothing when made twice, and an edit that only added must be undone
// by removing what it added: the same command line, and the same bytes
// (plus, for an entry that had no options line, the newline its new line
// needed) where every options line had a value.
#include <algorithm>
#include <string>

#include "basic/kernel_params.h"
#include "bootloader/bls.h"
#include "bootloader/spans.h"
#include "fuzz_check.h"

namespace {

std::vector<std::string> words_of(const std::string& path, const std::string& text) {
    auto c = vb::bls_cmdline(path, text);
    FUZZ_CHECK(c.ok());
    auto spans = vb::split_cmdline(*c);
    FUZZ_CHECK(spans.ok());
    return vb::split_words(*spans);
}

// Present as written or in double quotes, as the kernel reads it.
bool has(const std::vector<std::string>& words, const std::string& w) {
    return std::any_of(words.begin(), words.end(), [&](const std::string& x) {
        std::string bare = x;
        bare.erase(std::remove(bare.begin(), bare.end(), '"'), bare.end());
        return bare == w;
    });
}

bool all_options_have_values(const std::string& text) {
    for (const auto& l : vb::line_refs(text)) {
        const std::string_view line = std::string_view(text).substr(l.begin, l.end - l.begin);
        if (vb::bls_key_value(line, "options") == line.size()) return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const std::string path = data[0] & 1 ? vb::kKernelCmdlinePath : "/boot/loader/entries/fuzz.conf";
    const std::string text(fuzz::text_of(data + 1, size - 1));
    (void)vb::bls_boots_linux(text);
    for (const char* key : {"options", "linux", "title"}) {
        size_t v = vb::bls_key_value(text, key);
        FUZZ_CHECK(v == std::string_view::npos || v <= text.size());
    }
    if (!vb::bls_cmdline(path, text)) return 0;

    const vb::ParamEdit enable{{"intel_iommu=on", "iommu=pt"}, {"amd_iommu=off", "nomodeset"}};
    std::vector<std::string> added, removed;
    auto edited = vb::bls_edit(path, text, enable, &added, &removed);
    if (!edited) return 0; // refused ($kernelopts, a quote the edit cannot write around)
    const auto after = words_of(path, *edited);
    for (const auto& s : enable.set) FUZZ_CHECK(has(after, s));
    for (const auto& r : enable.remove) FUZZ_CHECK(!has(after, r));

    auto twice = vb::bls_edit(path, *edited, enable);
    FUZZ_CHECK(twice.ok() && *twice == *edited);

    if (removed.empty() && !added.empty()) {
        auto undo = vb::bls_edit(path, *edited, vb::ParamEdit{{}, added});
        FUZZ_CHECK(undo.ok());
        FUZZ_CHECK(words_of(path, *undo) == words_of(path, text));
        // An options line with no value that took the additions goes whole
        // when they go (an emptied line is dropped): bytes compared without.
        if (!all_options_have_values(text)) return 0;
        const bool same = *undo == text;
        const bool newline_added = undo->size() > text.size() && undo->compare(0, text.size(), text) == 0 &&
                                   (undo->substr(text.size()) == "\n" || undo->substr(text.size()) == "\r\n");
        FUZZ_CHECK(same || newline_added);
    }
    return 0;
}
