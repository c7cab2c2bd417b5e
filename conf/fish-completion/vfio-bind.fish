# fish completion for vfio-bind(8)
complete -c vfio-bind -f
complete -c vfio-bind -s c -l config -r -F -d 'config file'
complete -c vfio-bind -s r -l root -r -a '(__fish_complete_directories)' -d 'treat DIR as /'
complete -c vfio-bind -s k -l kver -r -a '(ls /lib/modules)' -d 'kernel release'
complete -c vfio-bind -s t -l timeout -r -d 'give up after SECS seconds'
complete -c vfio-bind -s n -l dry-run -d 'show the plan, change nothing'
complete -c vfio-bind -l modprobe-conf -d 'the modprobe.d snippet for the initramfs'
complete -c vfio-bind -l check-config -d 'parse the config, apply the boot rules'
complete -c vfio-bind -s v -l verbose -d 'say more'
complete -c vfio-bind -s h -l help -d help
complete -c vfio-bind -s V -l version -d version
