#!/bin/bash
source "$IT_LIB"
bail "test_runc.sh is being written"
