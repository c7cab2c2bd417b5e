# fish completion for vfio-setup(8)

# The --root DIR on the command line so far ("" for /).
function __vfio_setup_root
    set -l tokens (commandline -opc)
    for i in (seq (count $tokens))
        if test "$tokens[$i]" = --root; and test $i -lt (count $tokens)
            echo $tokens[(math $i + 1)]
            return
        end
    end
end

# The display controllers (PCI class 0x03) under the root.
function __vfio_setup_gpus
    set -l root (__vfio_setup_root)
    for d in $root/sys/bus/pci/devices/*
        test -r $d/class; or continue
        string match -q '0x03*' (cat $d/class); and basename $d
    end
end

function __vfio_setup_configured
    set -l root (__vfio_setup_root)
    test -r $root/etc/vfio-devices.ini; or return
    string replace -rf '^\s*address\s*=\s*([0-9a-fA-F:.]+).*' '$1' <$root/etc/vfio-devices.ini
end

set -l cmds cmdline initramfs list add remove qemu-args status host-devices confirm
complete -c vfio-setup -f
complete -c vfio-setup -l root -r -a '(__fish_complete_directories)' -d 'treat DIR as /'
complete -c vfio-setup -s h -l help -d help
complete -c vfio-setup -l version -d version
complete -c vfio-setup -n "not __fish_seen_subcommand_from $cmds" -a cmdline -d 'the kernel command line'
complete -c vfio-setup -n "not __fish_seen_subcommand_from $cmds" -a initramfs -d 'whether the images run vfio-bind'
complete -c vfio-setup -n "not __fish_seen_subcommand_from $cmds" -a list -d 'GPUs and IOMMU groups'
complete -c vfio-setup -n "not __fish_seen_subcommand_from $cmds" -a add -d 'configure a card'
complete -c vfio-setup -n "not __fish_seen_subcommand_from $cmds" -a remove -d 'unconfigure a card'
complete -c vfio-setup -n "not __fish_seen_subcommand_from $cmds" -a qemu-args -d 'QEMU or libvirt options'
complete -c vfio-setup -n "not __fish_seen_subcommand_from $cmds" -a status -d 'live state'
complete -c vfio-setup -n "not __fish_seen_subcommand_from $cmds" -a host-devices -d 'what the host needs'
complete -c vfio-setup -n "not __fish_seen_subcommand_from $cmds" -a confirm -d 'make the trial permanent'
complete -c vfio-setup -n "__fish_seen_subcommand_from cmdline; and not __fish_seen_subcommand_from status enable disable" -a 'status enable disable'
complete -c vfio-setup -n "__fish_seen_subcommand_from initramfs; and not __fish_seen_subcommand_from status enable disable" -a 'status enable disable'
complete -c vfio-setup -n "__fish_seen_subcommand_from enable" -l iommu-pt -l trial -l auto-confirm -l dry-run -l no-update
complete -c vfio-setup -n "__fish_seen_subcommand_from enable" -l add -r
complete -c vfio-setup -n "__fish_seen_subcommand_from disable" -l dry-run -l no-update
complete -c vfio-setup -n "__fish_seen_subcommand_from list" -l json
complete -c vfio-setup -n "__fish_seen_subcommand_from add" -a '(__vfio_setup_gpus)' -d GPU
complete -c vfio-setup -n "__fish_seen_subcommand_from add" -l boot-vga -l no-group -l trial -l auto-confirm -l dry-run
complete -c vfio-setup -n "__fish_seen_subcommand_from remove" -a '(__vfio_setup_configured)' -d configured
complete -c vfio-setup -n "__fish_seen_subcommand_from remove" -l trial -l auto-confirm -l dry-run
complete -c vfio-setup -n "__fish_seen_subcommand_from qemu-args" -l libvirt -l x-vga
complete -c vfio-setup -n "__fish_seen_subcommand_from confirm" -l auto -l dry-run -l no-update
complete -c vfio-setup -n "__fish_seen_subcommand_from host-devices" -l output -r -F
