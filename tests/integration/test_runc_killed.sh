#!/bin/bash
source "$IT_LIB"
bail "test_runc_killed.sh is being written"
