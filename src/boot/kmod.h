// Kernel modules through libkmod: loading vfio-pci with its dependencies and
// options, telling whether it is built in, and finding which host drivers
// would bind a device (from its modalias) so softdeps can be generated.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "basic/fs.h"
#include "basic/result.h"
#include "basic/text.h"

struct kmod_ctx;

namespace vb {

enum class LoadOutcome {
    Inserted,      // we loaded it now
    AlreadyLoaded, // it was live before us: its options were not applied
    BuiltIn,       // in the kernel image: options only via sysfs or the command line
    Resolved,      // --root: resolved against DIR's modules, nothing inserted
};
const char* to_string(LoadOutcome o);

struct LoadResult {
    LoadOutcome outcome;
    std::vector<std::string> modules; // what was (or would be) inserted, dependencies first
    // The options the module itself was (or would be) inserted with: exactly
    // the ones asked for. What modprobe.d and the kernel command line say for
    // it is not applied (it may carry a build-time guess such as ids=), only
    // reported here.
    std::string options;
    std::string ignored_options;
};

class ModuleLoader {
public:
    virtual ~ModuleLoader() = default;
    // Loads `name` (an alias such as "vfio-pci" is fine) and what it depends
    // on. The module itself gets exactly `options`, nothing from modprobe.d.
    virtual Result<LoadResult> load(const std::string& name, const std::string& options) = 0;
    // Modules whose aliases match a device's modalias ("radeon", "snd_hda_intel").
    virtual Result<std::vector<std::string>> drivers_for_modalias(const std::string& modalias) = 0;
};

// libkmod over <root>/lib/modules/<kver> and <root>'s modprobe.d. With
// `simulate` (every --root run) nothing is inserted: loads are resolved only.
class KmodLoader : public ModuleLoader {
public:
    static Result<std::unique_ptr<KmodLoader>> open(const std::string& root, const std::string& kver, bool simulate);
    ~KmodLoader() override;

    Result<LoadResult> load(const std::string& name, const std::string& options) override;
    Result<std::vector<std::string>> drivers_for_modalias(const std::string& modalias) override;

private:
    KmodLoader() = default;
    ::kmod_ctx* ctx_ = nullptr;
    bool simulate_ = false;
};

// Stands in when libkmod cannot start (no module indexes): vfio-pci counts as
// present if its driver is already registered, otherwise loading fails.
class UnavailableLoader : public ModuleLoader {
public:
    UnavailableLoader(const Fs& fs, std::string why) : fs_(fs), why_(std::move(why)) {}
    Result<LoadResult> load(const std::string& name, const std::string& options) override;
    Result<std::vector<std::string>> drivers_for_modalias(const std::string& modalias) override;

private:
    const Fs& fs_;
    std::string why_;
};

// The kernel release the modules belong to: --kver, else <root>/proc/sys/kernel/osrelease.
Result<std::string> kernel_release(const Fs& fs);

} // namespace vb
