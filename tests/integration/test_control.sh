#!/bin/bash
source "$IT_LIB"
bail "test_control.sh is being written"
