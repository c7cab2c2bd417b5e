# fish completion for vfio-initrd-check(8)
complete -c vfio-initrd-check -f
complete -c vfio-initrd-check -s k -l kver -r -a '(ls /lib/modules)' -d 'check only this kernel release'
complete -c vfio-initrd-check -s i -l image -r -F -d 'check only this image'
complete -c vfio-initrd-check -s r -l root -r -a '(__fish_complete_directories)' -d 'treat DIR as /'
complete -c vfio-initrd-check -l fix -d "rebuild with the machine's own generator"
complete -c vfio-initrd-check -l no-cmdline -d 'do not check the command lines'
complete -c vfio-initrd-check -l json -d 'machine-readable output'
complete -c vfio-initrd-check -s q -l quiet -d 'only problems and warnings'
complete -c vfio-initrd-check -s h -l help -d help
complete -c vfio-initrd-check -s V -l version -d version
