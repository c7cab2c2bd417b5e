// libFuzzer target for the GRUB default-file parser and editor: any bytes as
// /etc/default/grub must either be refused with an error or edited so that
// undoing the edit gives back exactly the input.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "basic/fs.h"
#include "basic/shell_assign.h"
#include "bootloader/bootloader.h"

namespace {

// An in-memory Fs holding only /etc/default/grub and a grub.cfg.
class OneFileFs : public vb::Fs {
public:
    explicit OneFileFs(std::string text) : text_(std::move(text)) {}
    vb::Result<std::string> read(const std::string& p, size_t) const override {
        if (p == "/etc/default/grub") return text_;
        return vb::make_error(ENOENT, p);
    }
    vb::Result<std::string> read_link(const std::string& p) const override { return vb::make_error(ENOENT, p); }
    vb::Result<std::vector<std::string>> list_dir(const std::string& p) const override {
        return vb::make_error(ENOENT, p);
    }
    bool exists(const std::string& p) const override { return p == "/etc/default/grub" || p == "/boot/grub/grub.cfg"; }
    bool is_dir(const std::string&) const override { return false; }
    vb::Status write(const std::string& p, std::string_view) override { return vb::make_error(EROFS, p); }
    vb::Status write_bounded(const std::string& p, std::string_view, int) override { return vb::make_error(EROFS, p); }
    vb::Status write_new(const std::string& p, std::string_view) override { return vb::make_error(EROFS, p); }
    vb::Status clear_immutable(const std::string&) override { return {}; }
    vb::Status replace_file(const std::string& p, std::string_view, const std::string&, unsigned) override {
        return vb::make_error(EROFS, p);
    }
    vb::Status remove(const std::string& p) override { return vb::make_error(EROFS, p); }
    vb::Status make_parent_dirs(const std::string& p) override { return vb::make_error(EROFS, p); }
    std::string host_path(const std::string& p) const override { return p; }
    bool is_rooted() const override { return true; }

private:
    std::string text_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    if (auto a = vb::parse_shell_assignments(text, "f"))
        for (const auto& x : *a) {
            if (x.value_end > text.size() || x.value_begin > x.value_end) abort();
            (void)vb::expand_shell_word(x.raw, {});
        }
    OneFileFs fs(text);
    auto grub = vb::make_grub_bootloader();
    (void)grub->entries(fs);
    auto plan = grub->plan(fs, vb::ParamEdit{{"intel_iommu=on", "iommu=pt"}, {"amd_iommu=off"}});
    if (!plan || plan->empty()) return 0;
    const auto& c = (*plan)[0];
    // Our own additions must come out again, leaving the other bytes alone.
    auto undo = grub->edit_file(fs, c.path, c.after, vb::ParamEdit{{}, c.added});
    if (!undo) abort(); // we wrote something we cannot read back
    auto again = grub->plan(OneFileFs(c.after), vb::ParamEdit{{"intel_iommu=on", "iommu=pt"}, {"amd_iommu=off"}});
    if (!again || !again->empty()) abort(); // enable twice must change nothing
    return 0;
}
