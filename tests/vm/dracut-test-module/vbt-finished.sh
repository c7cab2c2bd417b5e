#!/bin/sh
[ -e /run/vbt-reported ]
