#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The thread-pool downloader from the tutorial Haul grew from, as written
there (requests.get(url).content in a ThreadPoolExecutor, one file per URL),
with the URL list, folder, worker count and CA read from the command line.

usage: tutorial.py URL-FILE TARGET-DIR WORKERS [CA-FILE]"""

import concurrent.futures
import os
import sys
import time

import requests

url_file, target_dir, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
verify = sys.argv[4] if len(sys.argv) > 4 else True

with open(url_file) as f:
    img_urls = [line.strip() for line in f if line.strip()]

t1 = time.perf_counter()


def download_image(img_url):
    img_bytes = requests.get(img_url, verify=verify).content
    img_name = img_url.split('/')[-1]
    fullname = os.path.join(target_dir, img_name)

    with open(fullname, 'wb') as img_file:
        img_file.write(img_bytes)
        print(f'{img_name} was downloaded...')


with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as executor:
    # list() so an exception in a worker fails the run instead of vanishing.
    list(executor.map(download_image, img_urls))

t2 = time.perf_counter()

print(f'Finished in {t2-t1} seconds')
