#!/bin/bash
# Writes the seed corpora tests/fuzz/corpus/NAME/ (kept in the repository;
# run again after adding fixtures): real files from tests/fixtures, the
# shipped config, and tiny images made with the real tools (cpio, gzip,
# zstd, xz, lzma, lz4). A target that reads a leading control byte (which
# edit, which path, which mode) gets its seeds with that byte in front.
# Files are named by their hash and never removed here: the reproducers of
# fixed crashes kept beside the seeds stay.
#   usage: tests/fuzz/make-seeds.sh
set -eu
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus
fix=tests/fixtures
mkdir -p "$out"/{config,config_edit,grub,bls,kernel_params,host_needs,cpio,decompress,uki,initramfs}

# name for a seed: its content's hash, as libFuzzer names corpus files
put() { # DIR [PREFIX-BYTE-OCTAL] < data
    local dir=$1 tmp
    tmp=$(mktemp)
    { [ $# -ge 2 ] && printf "\\$2"; cat; } >"$tmp"
    chmod 644 "$tmp"
    mv "$tmp" "$out/$dir/$(sha1sum "$tmp" | cut -c1-40)"
}

# config: the shipped file, and each section form the man page shows
put config <conf/vfio-devices.ini
printf '[options]\ngroup = no\nboot_vga = yes\nvfio_pci_options = disable_vga=1\n\n[gpu]\naddress = 0000:01:00.0\nid = 1002:6818\n\n[audio]\naddress = 01:00.1\nallow_host_device = yes\n' | put config
printf '[any]\nid = 10de:1b80:1458:22d9\n' | put config
printf '[gpu]\r\naddress = 0000:0a:00.0 ; comment\r\n' | put config
for f in "$out"/config/*; do put config_edit '001\001\000\001' <"$f"; done

# GRUB: every real /etc/default/grub and the bootloader fixtures' ones
find "$fix" -path '*etc/default/grub' -type f | sort | while read -r f; do put grub <"$f"; done

# BLS: every entry (path byte 0) and /etc/kernel/cmdline (path byte 1)
find "$fix" -path '*loader/entries/*.conf' -type f | sort | head -n 40 | while read -r f; do put bls '000' <"$f"; done
find "$fix" -path '*etc/kernel/cmdline' -type f | sort | while read -r f; do put bls '001' <"$f"; done

# kernel command lines: the same files' options, with a few edits chosen
i=0
find "$fix" \( -path '*etc/kernel/cmdline' -o -path '*loader/entries/*.conf' \) -type f | sort | head -n 30 |
    while read -r f; do
        i=$((i + 1))
        sed -n 's/^options[ \t]*//p; /^options/!{ /cmdline$/!d; }' "$f" | head -n1 |
            put kernel_params "$(printf '%03o' $(((i * 37) % 256)))"
    done
printf 'root="LABEL=a b" quiet "intel_iommu=on" video=HDMI-A-1:d console=ttyS0 console=tty0' | put kernel_params '377'

# host-needs records as vfio-bind writes them
printf '# vfio-bind: PCI devices this host needs\n0000:00:06.0 1af4:1001 storage: / (ext4 on vda)\n0000:00:03.0 1af4:1000 network: root on nfs\n0000:00:02.0 1234:1111 console: /dev/fb0\n' | put host_needs

# images: a tiny tree packed by cpio, then compressed by each tool
tree=$(mktemp -d)
mkdir -p "$tree/etc/modprobe.d" "$tree/usr/lib/modules/6.1.0/kernel"
printf '[gpu]\naddress = 01:00.0\n' >"$tree/etc/vfio-devices.ini"
printf 'softdep amdgpu pre: vfio-pci\n' >"$tree/etc/modprobe.d/vfio.conf"
ln -s usr/lib "$tree/lib"
: >"$tree/usr/lib/modules/6.1.0/kernel/vfio-pci.ko"
# reproducible: the same seeds, so the same names, on every run
find "$tree" -exec touch -h -d @0 {} +
(cd "$tree" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible --owner=0:0) >"$tree.cpio"
(cd "$tree" && find etc | LC_ALL=C sort | cpio -o -H crc --quiet --reproducible --owner=0:0) >"$tree.crc"
put cpio '001' <"$tree.cpio"
put cpio '201' <"$tree.crc"
cat "$tree.crc" "$tree.cpio" | put cpio '037'
put initramfs <"$tree.cpio"
for c in "gzip -9n" "zstd -q -19" "xz -C crc32" "lzma" "lz4 -l" "lz4"; do
    $c <"$tree.cpio" >"$tree.z"
    put decompress '000' <"$tree.z"
    put initramfs <"$tree.z"
    cat "$tree.crc" "$tree.z" | put initramfs # early microcode archive, then the compressed one
done
# round-trip mode seeds: the format in the low bits, the payload after
for m in 001 002 003 004 011; do put decompress "$m" <"$tree.crc"; done

# a minimal UKI: a PE image with .osrel, .cmdline, .uname and .initrd
python3 - "$tree.cpio" "$tree.uki" <<'PY'
import struct, sys
initrd = open(sys.argv[1], 'rb').read()
secs = [(b'.osrel', b'ID=debian\n'), (b'.cmdline', b'root=/dev/vda quiet\n'), (b'.uname', b'6.1.0-13-amd64\n'), (b'.initrd', initrd)]
pe, table = 0x80, 0x80 + 24
off = (table + 40 * len(secs) + 511) & ~511
img = bytearray(off)
img[0:2] = b'MZ'
img[0x3c:0x40] = struct.pack('<I', pe)
img[pe:pe + 4] = b'PE\0\0'
img[pe + 4:pe + 8] = struct.pack('<HH', 0x8664, len(secs))
for i, (name, data) in enumerate(secs):
    s = table + i * 40
    raw = (len(data) + 511) & ~511
    img[s:s + 8] = name.ljust(8, b'\0')
    img[s + 8:s + 12] = struct.pack('<I', len(data))
    img[s + 16:s + 24] = struct.pack('<II', raw, len(img))
    img += data + bytes(raw - len(data))
open(sys.argv[2], 'wb').write(img)
PY
put uki <"$tree.uki"
put initramfs <"$tree.uki"
rm -rf "$tree" "$tree".*
find "$out" -type f | wc -l | xargs echo "seeds written:"
