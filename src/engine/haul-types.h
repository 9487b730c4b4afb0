/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HaulBody         HaulBody;
typedef struct _HaulDownload     HaulDownload;
typedef struct _HaulDownloader   HaulDownloader;
typedef struct _HaulIntake       HaulIntake;
typedef struct _HaulIntakeReject HaulIntakeReject;
typedef struct _HaulQueue        HaulQueue;
typedef struct _HaulRecord       HaulRecord;
typedef struct _HaulThumbnailer  HaulThumbnailer;

G_END_DECLS
