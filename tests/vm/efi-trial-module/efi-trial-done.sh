#!/bin/sh
# Keeps dracut's initqueue running until the step has reported.
[ -e /run/efi-trial-done ]
