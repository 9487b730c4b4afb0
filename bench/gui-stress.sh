#!/bin/sh
echo "Not available yet."
