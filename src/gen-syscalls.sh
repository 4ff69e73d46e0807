#!/bin/sh
# gen-syscalls.sh - writes the body of syscall-names.h, an array initializer
# [nr] = "name", from the kernel header asm/unistd_64.h (given as $1).
awk '$1 == "#define" && $2 ~ /^__NR_/ && $3 ~ /^[0-9]+$/ {
	name = substr($2, 6); printf "\t[%d] = \"%s\",\n", $3, name
}' "$1"
