/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "haul-error.h"
#include "haul-intake.h"
#include "haul-intake-private.h"

/* Expected rejects are written "LINE:reason"; URLs and rejects as
 * NULL-terminated arrays. */
typedef struct
{
  const char *name;
  const char *content_type;
  const char *source_name;
  const char *base_url;
  const char *input;
  const char *urls[12];
  const char *rejects[8];
} IntakeCase;

static void
check_intake (HaulIntake        *intake,
              const char        *name,
              const char * const *urls,
              const char * const *rejects)
{
  GPtrArray *got_urls = haul_intake_get_urls (intake);
  GPtrArray *got_rejects = haul_intake_get_rejects (intake);
  guint n_urls = g_strv_length ((char **)urls);
  guint n_rejects = g_strv_length ((char **)rejects);

  g_test_message ("case %s", name);

  for (guint i = 0; i < got_urls->len; i++)
    g_test_message ("  url %s", (char *)g_ptr_array_index (got_urls, i));
  for (guint i = 0; i < got_rejects->len; i++)
    {
      HaulIntakeReject *r = g_ptr_array_index (got_rejects, i);
      g_test_message ("  reject %u:%s (%s)", r->line, r->reason, r->text);
    }

  g_assert_cmpuint (got_urls->len, ==, n_urls);
  for (guint i = 0; i < n_urls; i++)
    g_assert_cmpstr (g_ptr_array_index (got_urls, i), ==, urls[i]);

  g_assert_cmpuint (got_rejects->len, ==, n_rejects);
  for (guint i = 0; i < n_rejects; i++)
    {
      HaulIntakeReject *r = g_ptr_array_index (got_rejects, i);
      g_autofree char *got = g_strdup_printf ("%u:%s", r->line, r->reason);

      g_assert_cmpstr (got, ==, rejects[i]);
      g_assert_nonnull (r->text);
      g_assert_true (g_utf8_validate (r->text, -1, NULL));
    }
}

static void
run_cases (const IntakeCase *cases,
           gsize             n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      HaulIntake *intake = haul_intake_new ();
      g_autoptr(GError) error = NULL;

      g_assert_true (haul_intake_add_text (intake, cases[i].input, -1,
                                           cases[i].content_type,
                                           cases[i].source_name,
                                           cases[i].base_url,
                                           &error));
      g_assert_no_error (error);
      check_intake (intake, cases[i].name, cases[i].urls, cases[i].rejects);

      for (guint j = 0; j < haul_intake_get_rejects (intake)->len; j++)
        {
          HaulIntakeReject *r = g_ptr_array_index (haul_intake_get_rejects (intake), j);
          g_assert_cmpstr (r->source, ==, cases[i].source_name);
        }

      g_assert_finalize_object (intake);
    }
}

static const IntakeCase text_cases[] = {
  { "one per line", NULL, NULL, NULL,
    "https://example.com/a.jpg\nhttps://example.com/b.png\n",
    { "https://example.com/a.jpg", "https://example.com/b.png" }, { NULL } },
  { "separators", NULL, NULL, NULL,
    "https://e.com/1.jpg https://e.com/2.jpg,https://e.com/3.jpg;https://e.com/4.jpg\thttps://e.com/5.jpg",
    { "https://e.com/1.jpg", "https://e.com/2.jpg", "https://e.com/3.jpg", "https://e.com/4.jpg",
      "https://e.com/5.jpg" }, { NULL } },
  { "comma and space", NULL, NULL, NULL,
    "https://e.com/1.jpg, https://e.com/2.jpg; https://e.com/3.jpg",
    { "https://e.com/1.jpg", "https://e.com/2.jpg", "https://e.com/3.jpg" }, { NULL } },
  { "comma inside query kept", NULL, NULL, NULL,
    "https://e.com/i?size=1,2;q=3",
    { "https://e.com/i?size=1,2;q=3" }, { NULL } },
  { "comments blank lines CRLF BOM", NULL, NULL, NULL,
    "\xef\xbb\xbf# my list\r\n\r\nhttps://e.com/a.jpg\r\n   \r\n  # indented comment\r\nhttps://e.com/b.jpg\r\n",
    { "https://e.com/a.jpg", "https://e.com/b.jpg" }, { NULL } },
  { "lone CR", NULL, NULL, NULL,
    "https://e.com/a.jpg\rnonsense\rhttps://e.com/b.jpg",
    { "https://e.com/a.jpg", "https://e.com/b.jpg" }, { "2:not understood" } },
  { "prose", NULL, NULL, NULL,
    "see https://e.com/a.jpg, and <https://e.com/b.jpg> or \"https://e.com/c.jpg\".\n"
    "(https://e.com/d.jpg) [https://e.com/e.jpg]! 'https://e.com/f.jpg'?\n"
    "“https://e.com/g.jpg” and https://e.com/wiki/Foo_(bar) too: https://e.com/h.jpg...\n",
    { "https://e.com/a.jpg", "https://e.com/b.jpg", "https://e.com/c.jpg", "https://e.com/d.jpg",
      "https://e.com/e.jpg", "https://e.com/f.jpg", "https://e.com/g.jpg", "https://e.com/wiki/Foo_(bar)",
      "https://e.com/h.jpg" }, { NULL } },
  { "ideographic punctuation", NULL, NULL, NULL,
    "见https://e.com/a.jpg。还有https://e.com/b.jpg，和、https://e.com/c.jpg\xc2\xa0ok",
    { "https://e.com/a.jpg", "https://e.com/b.jpg", "https://e.com/c.jpg" }, { NULL } },
  { "markup around", NULL, NULL, NULL,
    "url=https://e.com/a.jpg src=\"https://e.com/b.jpg\">\n**https://e.com/c.jpg**\n",
    { "https://e.com/a.jpg", "https://e.com/b.jpg", "https://e.com/c.jpg" }, { NULL } },
  { "not understood", NULL, "list.txt", NULL,
    "https://e.com/a.jpg\nhello world\n\nexample.com/b.jpg\n",
    { "https://e.com/a.jpg" }, { "2:not understood", "4:not understood" } },
  { "space inside a URL", NULL, "list.txt", NULL,
    "http://a.com/x y.png\n"
    "https://e.com/my summer holiday photo.jpg\n"
    "https://e.com/dir name/sub/page.html\n"
    "https://e.com/s?q=a b&c=d\n"
    "(https://e.com/p q.gif) and <https://e.com/r s/>\n",
    { "http://a.com/x", "https://e.com/my", "https://e.com/dir", "https://e.com/s?q=a", "https://e.com/p",
      "https://e.com/r" },
    { "1:not understood", "2:not understood", "3:not understood", "4:not understood", "5:not understood" } },
  { "words after a URL are prose", NULL, NULL, NULL,
    "https://e.com/a.jpg is my favourite, see cat.jpg\n"
    "https://e.com/b.jpg. Then c.jpg\n"
    "https://e.com/c.jpg and/or https://e.com/d.jpg w/ cats =)\n"
    "https://e.com/e.jpg is the one I like most of all, f.jpg\n",
    { "https://e.com/a.jpg", "https://e.com/b.jpg", "https://e.com/c.jpg", "https://e.com/d.jpg",
      "https://e.com/e.jpg" },
    { NULL } },
  { "rejected schemes keep line numbers", NULL, "list.txt", NULL,
    "ftp://e.com/a.jpg\nfile:///etc/passwd\n# c\ndata:image/png;base64,AAAA\njavascript:alert(1)\nhttps://e.com/ok.jpg\n",
    { "https://e.com/ok.jpg" },
    { "1:unsupported scheme “ftp”", "2:unsupported scheme “file”", "4:unsupported scheme “data”",
      "5:unsupported scheme “javascript”" } },
  { "invalid percent escapes", NULL, NULL, NULL,
    "https://e.com/%zz.jpg\nhttps://e.com/a.jpg?discount=50%\nhttps://e.com/%25zz.jpg\n",
    { "https://e.com/%25zz.jpg", "https://e.com/a.jpg?discount=50%25" }, { NULL } },
  { "dedup in first-seen order", NULL, NULL, NULL,
    "https://e.com/b.jpg\nhttps://e.com/a.jpg\nHTTPS://E.COM:443/b.jpg#x\nhttps://e.com/a.jpg\n",
    { "https://e.com/b.jpg", "https://e.com/a.jpg" }, { NULL } },
  { "uri-list", "text/uri-list", NULL, NULL,
    "# urls\r\nhttps://e.com/a.jpg\r\nhttp://e.com/b.jpg\r\nfile:///tmp/x.png\r\n",
    { "https://e.com/a.jpg", "http://e.com/b.jpg" }, { "4:unsupported scheme “file”" } },
  { "uri-list claimed but prose", "text/uri-list", NULL, NULL,
    "look at https://e.com/a.jpg now\n",
    { "https://e.com/a.jpg" }, { NULL } },
  { "ranges", NULL, NULL, NULL,
    "https://e.com/img[008-011].jpg\nhttps://e.com/{cat,dog}/[1-2].png\n",
    { "https://e.com/img008.jpg", "https://e.com/img009.jpg", "https://e.com/img010.jpg",
      "https://e.com/img011.jpg", "https://e.com/cat/1.png", "https://e.com/cat/2.png",
      "https://e.com/dog/1.png", "https://e.com/dog/2.png" }, { NULL } },
  { "letter and stepped ranges", NULL, NULL, NULL,
    "https://e.com/[a-c].jpg https://e.com/p[0-20:10].jpg",
    { "https://e.com/a.jpg", "https://e.com/b.jpg", "https://e.com/c.jpg",
      "https://e.com/p0.jpg", "https://e.com/p10.jpg", "https://e.com/p20.jpg" }, { NULL } },
  { "invalid range", NULL, NULL, NULL,
    "https://e.com/[9-1].jpg\nhttps://e.com/[1-3:0].jpg\n",
    { NULL }, { "1:invalid range", "2:invalid range" } },
  { "brackets that are not ranges", NULL, NULL, NULL,
    "https://[::1]:8080/a.jpg https://e.com/a[x].jpg https://e.com/{one}.jpg",
    { "https://[::1]:8080/a.jpg", "https://e.com/a[x].jpg", "https://e.com/%7Bone%7D.jpg" }, { NULL } },
  { "pattern cap", NULL, NULL, NULL,
    "https://e.com/[1-10001].jpg\nhttps://e.com/[1-100]/[1-101].jpg\n",
    { NULL }, { "1:expands to more than 10000 URLs", "2:expands to more than 10000 URLs" } },
};

static void
test_intake_text (void)
{
  run_cases (text_cases, G_N_ELEMENTS (text_cases));
}

static const IntakeCase html_cases[] = {
  { "img src and srcset", "text/html", "page.html", NULL,
    "<!DOCTYPE html>\n<html><body>\n"
    "<img src=\"https://e.com/a.jpg\">\n"
    "<img src=\"https://e.com/small.jpg\" srcset=\"https://e.com/s.jpg 320w, https://e.com/l.jpg 1280w,https://e.com/m.jpg 640w\">\n"
    "<img srcset=\"https://e.com/1x.jpg, https://e.com/3x.jpg 3x, https://e.com/2x.jpg 2x\">\n"
    "<IMG SRC='https://e.com/upper.jpg'>\n"
    "</body></html>\n",
    { "https://e.com/a.jpg", "https://e.com/l.jpg", "https://e.com/3x.jpg", "https://e.com/upper.jpg" },
    { NULL } },
  { "srcset descriptors too large to count", "text/html", NULL, NULL,
    "<img srcset=\"https://e.com/huge-x.jpg 99999999999999999999x, https://e.com/2x.jpg 2x\">\n"
    "<img srcset=\"https://e.com/3x.jpg 3x, https://e.com/huge-x2.jpg 1e999x\">\n"
    "<img srcset=\"https://e.com/huge-w.jpg 99999999999999999999w, https://e.com/l.jpg 1280w\">\n"
    "<img srcset=\"https://e.com/s.jpg 320w, https://e.com/huge-w2.jpg 1000000000000w, https://e.com/huge-w3.jpg 1e99w\">\n"
    "<img srcset=\"https://e.com/a.jpg 2x, https://e.com/inf.jpg infx, https://e.com/nan.jpg nanx\">\n",
    { "https://e.com/huge-x.jpg", "https://e.com/huge-x2.jpg", "https://e.com/huge-w.jpg",
      "https://e.com/huge-w2.jpg", "https://e.com/a.jpg" }, { NULL } },
  { "picture", NULL, NULL, NULL,
    "<picture>\n"
    "  <source type=\"image/avif\" srcset=\"https://e.com/p-800.avif 800w, https://e.com/p-1600.avif 1600w\">\n"
    "  <source srcset=\"https://e.com/p-1200.jpg 1200w\">\n"
    "  <img src=\"https://e.com/p-fallback.jpg\">\n"
    "</picture>\n",
    { "https://e.com/p-1600.avif" }, { NULL } },
  { "links to images, og:image, others ignored", NULL, "page.htm", NULL,
    "<html><head><meta property=\"og:image\" content=\"https://e.com/og.png\">\n"
    "<title>t</title></head><body>\n"
    "<a href=\"https://e.com/page.html\">page</a>\n"
    "<a href=\"https://e.com/full.JPEG?x=1\">full</a>\n"
    "<a href=\"mailto:me@e.com\">mail</a>\n"
    "</body></html>",
    { "https://e.com/og.png", "https://e.com/full.JPEG?x=1" }, { NULL } },
  { "relative against page URL", "text/html", NULL, "https://e.com/dir/page.html",
    "<p><img src=\"a.jpg\"> <img src=\"/b.jpg\"> <img src=\"//cdn.e.com/c.jpg\"> <img src=\"../d.jpg#x\"></p>",
    { "https://e.com/dir/a.jpg", "https://e.com/b.jpg", "https://cdn.e.com/c.jpg", "https://e.com/d.jpg" },
    { NULL } },
  { "relative against base href", "text/html", NULL, "https://e.com/page.html",
    "<html><head><base href=\"https://img.e.com/x/\"></head>\n<body><img src=\"a.jpg\"></body></html>",
    { "https://img.e.com/x/a.jpg" }, { NULL } },
  { "relative base href against page URL", "text/html", NULL, "https://e.com/p/page.html",
    "<base href=\"../imgs/\"><img src=\"a.jpg\">",
    { "https://e.com/imgs/a.jpg" }, { NULL } },
  { "relative without a base", "text/html", "saved.html", NULL,
    "<html><body>\n<img src=\"https://e.com/ok.jpg\">\n<img src=\"local/a.jpg\">\n"
    "<img src=\"data:image/png;base64,AAAA\">\n</body></html>",
    { "https://e.com/ok.jpg" },
    { "3:relative link with no base URL", "4:unsupported scheme “data”" } },
  { "entities, broken markup", NULL, NULL, NULL,
    "<div><img src=\"https://e.com/a.jpg?x=1&amp;y=2\"><p><img src=https://e.com/b.jpg></div></span>",
    { "https://e.com/a.jpg?x=1&y=2", "https://e.com/b.jpg" }, { NULL } },
  { "lazy loading", NULL, NULL, NULL,
    "<img data-src=\"https://e.com/lazy.jpg\" class=\"lazy\">",
    { "https://e.com/lazy.jpg" }, { NULL } },
  { "javascript base href ignored for the page URL", "text/html", NULL, "https://e.com/p/page.html",
    "<html><head><base href=\"javascript:alert(1)\"></head>\n<body><img src=\"a.jpg\"></body></html>",
    { "https://e.com/p/a.jpg" }, { NULL } },
  { "non-http base href without a page URL", "text/html", "saved.html", NULL,
    "<base href=\"javascript:void(0)/\">\n<img src=\"a.jpg\">\n<img src=\"https://e.com/ok.jpg\">\n"
    "<base href=\"file:///home/me/\"><img src=\"b.jpg\">",
    { "https://e.com/ok.jpg" },
    { "2:relative link with no base URL", "4:relative link with no base URL" } },
  { "file base href ignored for the page URL", "text/html", NULL, "https://e.com/p/page.html",
    "<base href=\"file:///home/me/\"><img src=\"a.jpg\">",
    { "https://e.com/p/a.jpg" }, { NULL } },
  { "data base href ignored", "text/html", NULL, "https://e.com/p/page.html",
    "<base href=\"data:text/html,x\"><img src=\"a.jpg\">",
    { "https://e.com/p/a.jpg" }, { NULL } },
  { "page URL that is not http", "text/html", NULL, "file:///home/me/page.html",
    "<img src=\"a.jpg\"><img src=\"https://e.com/ok.jpg\">",
    { "https://e.com/ok.jpg" }, { "1:relative link with no base URL" } },
  { "invalid percent escapes resolved", "text/html", NULL, "https://e.com/50%/page.html",
    "<img src=\"a%zz.jpg\"><img src=\"b.jpg?q=100%\">\n"
    "<base href=\"https://img.e.com/%x/\">",
    { "https://img.e.com/%25x/a%25zz.jpg", "https://img.e.com/%25x/b.jpg?q=100%25" }, { NULL } },
  { "invalid percent escape in the page URL", "text/html", NULL, "https://e.com/50%/page.html",
    "<img src=\"a.jpg\">",
    { "https://e.com/50%25/a.jpg" }, { NULL } },
  { "clipboard fragment claimed as text", "text/plain", NULL, NULL,
    "<meta charset='utf-8'><img src=\"https://e.com/clip.png\" alt=\"\">",
    { "https://e.com/clip.png" }, { NULL } },
};

static void
test_intake_html (void)
{
  run_cases (html_cases, G_N_ELEMENTS (html_cases));
}

static const IntakeCase markdown_cases[] = {
  { "images and links", NULL, "notes.md", NULL,
    "# Photos\n\n"
    "![a cat](https://e.com/cat.jpg \"Cat\") and ![dog](<https://e.com/my dog.jpg>)\n"
    "See [the page](https://e.com/page) or https://e.com/bare.png.\n"
    "[ref]: https://e.com/ref.gif \"title\"\n"
    "[local](other.md) [top](#top) ![x](ftp://e.com/x.jpg)\n"
    "![local](img/a.png) [b](b.jpg)\n",
    { "https://e.com/cat.jpg", "https://e.com/my%20dog.jpg", "https://e.com/page", "https://e.com/bare.png",
      "https://e.com/ref.gif" },
    { "6:unsupported scheme “ftp”", "7:relative link with no base URL", "7:relative link with no base URL" } },
  { "sniffed, relative with base", NULL, NULL, "https://e.com/docs/readme",
    "Some text\n![shot](img/shot.png)\n",
    { "https://e.com/docs/img/shot.png" }, { NULL } },
  { "inline html stays markdown", "text/markdown", NULL, NULL,
    "Intro\n<img src=\"https://e.com/inline.png\">\n[x](https://e.com/link.jpg)\n",
    { "https://e.com/inline.png", "https://e.com/link.jpg" }, { NULL } },
};

static void
test_intake_markdown (void)
{
  run_cases (markdown_cases, G_N_ELEMENTS (markdown_cases));
}

static const IntakeCase shortcut_cases[] = {
  { "windows url", NULL, "Cat.url", NULL,
    "[{000214A0-0000-0000-C000-000000000046}]\r\nProp3=19,11\r\n[InternetShortcut]\r\nIDList=\r\nURL=https://E.com/cat.jpg\r\n",
    { "https://e.com/cat.jpg" }, { NULL } },
  { "url sniffed without a name", NULL, NULL, NULL,
    "[InternetShortcut]\nURL=https://e.com/a.png\n",
    { "https://e.com/a.png" }, { NULL } },
  { "url with bad scheme", NULL, "x.url", NULL,
    "[InternetShortcut]\nURL=file:///C:/x.jpg\n",
    { NULL }, { "2:unsupported scheme “file”" } },
  { "url without URL", NULL, "x.url", NULL,
    "[InternetShortcut]\nIconIndex=0\n",
    { NULL }, { "1:no URL" } },
  { "desktop link", "application/x-desktop", "cat.desktop", NULL,
    "[Desktop Entry]\nVersion=1.0\nType=Link\nName=Cat\nIcon=text-html\nURL=https://e.com/cat.webp\n",
    { "https://e.com/cat.webp" }, { NULL } },
  { "desktop application", NULL, "app.desktop", NULL,
    "# comment\n[Desktop Entry]\nType=Application\nExec=foo\n",
    { NULL }, { "3:not a link" } },
  { "desktop, URL in another group ignored", NULL, "a.desktop", NULL,
    "[Desktop Entry]\nType=Link\nURL=https://e.com/a.jpg\n[Desktop Action x]\nURL=https://e.com/b.jpg\n",
    { "https://e.com/a.jpg" }, { NULL } },
  { "webloc", NULL, "Cat.webloc", NULL,
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
    "<plist version=\"1.0\">\n<dict>\n\t<key>URL</key>\n\t<string>https://e.com/cat.jpg?a=1&amp;b=2</string>\n</dict>\n</plist>\n",
    { "https://e.com/cat.jpg?a=1&b=2" }, { NULL } },
  { "webloc with entities is not expanded", NULL, "x.webloc", NULL,
    "<?xml version=\"1.0\"?>\n<!DOCTYPE plist [<!ENTITY a \"https://evil.e.com/\">]>\n"
    "<plist><dict><key>URL</key><string>&a;x.jpg</string></dict></plist>\n",
    { NULL }, { "3:malformed" } },
  { "webloc without URL", NULL, "x.webloc", NULL,
    "<?xml version=\"1.0\"?>\n<plist><dict><key>Other</key><string>x</string></dict></plist>\n",
    { NULL }, { "1:no URL" } },
};

static void
test_intake_shortcuts (void)
{
  run_cases (shortcut_cases, G_N_ELEMENTS (shortcut_cases));
}

static const IntakeCase data_cases[] = {
  { "json array", "application/json", NULL, NULL,
    "[\n  \"https://e.com/a.jpg\",\n  \"https://e.com/b.jpg\",\n  42,\n  \"ftp://e.com/c.jpg\",\n"
    "  {\"url\": \"https://e.com/d.jpg\"}\n]\n",
    { "https://e.com/a.jpg", "https://e.com/b.jpg", "https://e.com/d.jpg" },
    { "4:not understood", "5:unsupported scheme “ftp”" } },
  { "json sniffed", NULL, NULL, NULL,
    "[\"https://e.com/a.jpg\", \"https://e.com/a.jpg\"]",
    { "https://e.com/a.jpg" }, { NULL } },
  { "json object read as prose", NULL, "x.json", NULL,
    "{\n  \"images\": [\"https://e.com/a.jpg\", \"https://e.com/b.jpg\"]\n}\n",
    { "https://e.com/a.jpg", "https://e.com/b.jpg" }, { NULL } },
  { "broken json read as prose", "application/json", NULL, NULL,
    "[\"https://e.com/a.jpg\", oops\n",
    { "https://e.com/a.jpg" }, { NULL } },
  { "csv with header", NULL, "export.csv", NULL,
    "id,Image URL,caption\r\n"
    "1,https://e.com/a.jpg,\"A, with comma\"\r\n"
    "2,\"https://e.com/b.jpg\",\"multi\r\nline \"\"quoted\"\"\"\r\n"
    "3,,no url\r\n"
    "4,ftp://e.com/c.jpg,x\r\n"
    ",,\r\n",
    { "https://e.com/a.jpg", "https://e.com/b.jpg" },
    { "5:not understood", "6:unsupported scheme “ftp”" } },
  { "csv without header, semicolons", "text/csv", NULL, NULL,
    "cat;https://e.com/cat.jpg\ndog;https://e.com/dog.jpg\n",
    { "https://e.com/cat.jpg", "https://e.com/dog.jpg" }, { NULL } },
  { "csv sniffed from header, tabs", NULL, NULL, NULL,
    "name\turl\ncat\thttps://e.com/cat.jpg\n",
    { "https://e.com/cat.jpg" }, { NULL } },
};

static void
test_intake_data (void)
{
  run_cases (data_cases, G_N_ELEMENTS (data_cases));
}

static void
test_intake_binary_webloc (void)
{
  /* As macOS writes them; the URL in UTF-16 as it is not ASCII. */
  static const char with_url[] = "\x62\x70\x6c\x69\x73\x74\x30\x30\xd2\x01\x02\x03\x04\x53\x55\x52\x4c\x51\x78\x6f\x10\x1a\x00\x68\x00\x74\x00\x74\x00\x70\x00\x73\x00\x3a\x00\x2f\x00\x2f\x00\x65\x00\x78\x00\x61\x00\x6d\x00\x70\x00\x6c\x00\x65\x00\x2e\x00\x63\x00\x6f\x00\x6d\x00\x2f\x00\x62\x00\xe4\x00\x2e\x00\x6a\x00\x70\x00\x67\x10\x01\x08\x0d\x11\x13\x4a\x00\x00\x00\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x4c";
  static const char without_url[] = "\x62\x70\x6c\x69\x73\x74\x30\x30\xd1\x01\x02\x55\x4f\x74\x68\x65\x72\x51\x78\x08\x0b\x11\x00\x00\x00\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x13";
  HaulIntake *intake = haul_intake_new ();
  g_autoptr(GError) error = NULL;
  HaulIntakeReject *reject;

  g_assert_true (haul_intake_add_text (intake, with_url, sizeof with_url - 1, NULL, "a.webloc", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (haul_intake_get_urls (intake), 0), ==, "https://example.com/b%C3%A4.jpg");

  /* Cut short, or without a URL: a reject, never a crash. */
  g_assert_true (haul_intake_add_text (intake, with_url, sizeof with_url - 10, NULL, "b.webloc", NULL, &error));
  g_assert_true (haul_intake_add_text (intake, without_url, sizeof without_url - 1, NULL, "c.webloc", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 1);
  g_assert_cmpuint (haul_intake_get_rejects (intake)->len, ==, 2);
  reject = g_ptr_array_index (haul_intake_get_rejects (intake), 1);
  g_assert_cmpstr (reject->source, ==, "c.webloc");
  g_assert_cmpuint (reject->line, ==, 0);
  g_assert_cmpstr (reject->reason, ==, "no URL");

  g_assert_finalize_object (intake);
}

typedef struct
{
  const char       *input;
  const char       *content_type;
  const char       *file_name;
  HaulIntakeFormat  format;
} DetectCase;

static const DetectCase detect_cases[] = {
  { "https://e.com/a.jpg\n", NULL, NULL, HAUL_INTAKE_FORMAT_TEXT },
  { "https://e.com/a.jpg\n", "text/plain", "a.txt", HAUL_INTAKE_FORMAT_TEXT },
  { "<html><body><img src=x></body></html>", "text/plain", NULL, HAUL_INTAKE_FORMAT_HTML },
  { "<p>x</p>", "TEXT/HTML; charset=UTF-8", NULL, HAUL_INTAKE_FORMAT_HTML },
  { "<p>x</p>", NULL, "Saved.HTM", HAUL_INTAKE_FORMAT_HTML },
  { "just https://e.com/a.jpg", "text/html", NULL, HAUL_INTAKE_FORMAT_TEXT },
  { "  <https://e.com/a.jpg>", NULL, NULL, HAUL_INTAKE_FORMAT_TEXT },
  { "[InternetShortcut]\nURL=https://e.com/\n", "text/plain", "a.txt", HAUL_INTAKE_FORMAT_INTERNET_SHORTCUT },
  { "https://e.com/a.jpg", NULL, "a.url", HAUL_INTAKE_FORMAT_TEXT },
  { "[Desktop Entry]\nType=Link\n", NULL, "noext", HAUL_INTAKE_FORMAT_DESKTOP },
  { "<?xml version=\"1.0\"?>\n<plist><dict/></plist>", NULL, "a.xml", HAUL_INTAKE_FORMAT_WEBLOC },
  { "https://e.com/a.jpg", "application/x-webloc", NULL, HAUL_INTAKE_FORMAT_TEXT },
  { "[\"https://e.com/a.jpg\"]", NULL, "a.txt", HAUL_INTAKE_FORMAT_JSON },
  { "{\"a\": \"https://e.com/a.jpg\"}", "application/json", NULL, HAUL_INTAKE_FORMAT_JSON },
  { "{\"a\": \"https://e.com/a.jpg\"}", NULL, NULL, HAUL_INTAKE_FORMAT_TEXT },
  { "id,url\n1,https://e.com/a.jpg\n", NULL, NULL, HAUL_INTAKE_FORMAT_CSV },
  { "a;https://e.com/a.jpg\n", "text/csv", NULL, HAUL_INTAKE_FORMAT_CSV },
  { "a;https://e.com/a.jpg\n", NULL, "a.TSV", HAUL_INTAKE_FORMAT_CSV },
  { "![x](https://e.com/a.jpg)", NULL, NULL, HAUL_INTAKE_FORMAT_MARKDOWN },
  { "# T\n<img src=\"https://e.com/a.jpg\">\n", NULL, "a.md", HAUL_INTAKE_FORMAT_MARKDOWN },
  { "https://e.com/a\nhttps://e.com/b\n", "text/uri-list", NULL, HAUL_INTAKE_FORMAT_URI_LIST },
  { "https://e.com/a\n", NULL, "x.uris", HAUL_INTAKE_FORMAT_URI_LIST },
  { "see https://e.com/a\n", "text/uri-list", NULL, HAUL_INTAKE_FORMAT_TEXT },
  { "https://e.com/a\n", "application/octet-stream", "x.bin", HAUL_INTAKE_FORMAT_TEXT },
};

static void
test_intake_detect (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (detect_cases); i++)
    {
      const DetectCase *c = &detect_cases[i];

      g_test_message ("detect %s", c->input);
      g_assert_cmpint (haul_intake_detect_format (c->input, strlen (c->input),
                                                  c->content_type, c->file_name),
                       ==, c->format);
    }
}

static void
test_intake_reject_text (void)
{
  HaulIntake *intake = haul_intake_new ();
  g_autoptr(GString) line = g_string_new ("  ");
  g_autoptr(GError) error = NULL;
  HaulIntakeReject *reject;

  for (guint i = 0; i < 100; i++)
    g_string_append (line, "word é ");

  g_assert_true (haul_intake_add_text (intake, line->str, -1, NULL, NULL, NULL, &error));
  g_assert_true (haul_intake_add_text (intake, "caf\xe9 latin-1\n", -1, NULL, NULL, NULL, &error));
  g_assert_cmpuint (haul_intake_get_rejects (intake)->len, ==, 2);

  reject = g_ptr_array_index (haul_intake_get_rejects (intake), 0);
  g_assert_cmpuint (reject->line, ==, 1);
  g_assert_true (g_str_has_prefix (reject->text, "word é word"));
  g_assert_true (g_str_has_suffix (reject->text, "…"));
  g_assert_cmpint (g_utf8_strlen (reject->text, -1), ==, HAUL_INTAKE_REJECT_TEXT_CHARS);

  reject = g_ptr_array_index (haul_intake_get_rejects (intake), 1);
  g_assert_true (g_utf8_validate (reject->text, -1, NULL));
  g_assert_cmpstr (reject->reason, ==, "not understood");

  g_assert_finalize_object (intake);
}

typedef struct
{
  const char *input;
  const char *normal;   /* NULL when rejected */
  const char *reason;
} NormalizeCase;

static const NormalizeCase normalize_cases[] = {
  { "https://example.com/a.jpg", "https://example.com/a.jpg", NULL },
  { "HTTPS://Example.COM/Path/A.JPG?Q=Yes", "https://example.com/Path/A.JPG?Q=Yes", NULL },
  { "http://e.com:80/a", "http://e.com/a", NULL },
  { "https://e.com:443/a", "https://e.com/a", NULL },
  { "http://e.com:443/a", "http://e.com:443/a", NULL },
  { "https://e.com:8443/a", "https://e.com:8443/a", NULL },
  { "https://e.com/a.jpg#frag", "https://e.com/a.jpg", NULL },
  { "https://e.com", "https://e.com/", NULL },
  { "https://e.com/a%2Fb%20c.jpg?x=%41&y=1", "https://e.com/a%2Fb%20c.jpg?x=%41&y=1", NULL },
  { "https://e.com/b?z=1&a=2", "https://e.com/b?z=1&a=2", NULL },
  { "https://e.com/./a/../b", "https://e.com/./a/../b", NULL },
  { "https://bücher.example/ä.jpg", "https://xn--bcher-kva.example/%C3%A4.jpg", NULL },
  { "https://BÜCHER.example/", "https://xn--bcher-kva.example/", NULL },
  { "https://e.com/a b.jpg", "https://e.com/a%20b.jpg", NULL },
  { "https://user:pw@e.com/a", "https://user:pw@e.com/a", NULL },
  { "http://[::1]:8080/a", "http://[::1]:8080/a", NULL },
  { "http://127.0.0.1:80/a", "http://127.0.0.1/a", NULL },
  { "  https://e.com/a  ", "https://e.com/a", NULL },
  { "ftp://e.com/a.jpg", NULL, "unsupported scheme “ftp”" },
  { "file:///etc/passwd", NULL, "unsupported scheme “file”" },
  { "data:image/png;base64,AAAA", NULL, "unsupported scheme “data”" },
  { "JavaScript:alert(1)", NULL, "unsupported scheme “javascript”" },
  { "http:///a.jpg", NULL, "no host" },
  { "http:a.jpg", NULL, "no host" },
  { "https://:80/", NULL, "no host" },
  { "http://e.com:99999/", NULL, "invalid port" },
  { "http://e.com:abc/", NULL, "invalid port" },
  { "http://e.com:0/", NULL, "invalid port" },
  { "http://e x.com/", NULL, "invalid host" },
  { "https://e.com/%zz", "https://e.com/%25zz", NULL },
  { "https://e.com/100%.jpg?q=%zz&r=%4&s=%41%", "https://e.com/100%25.jpg?q=%25zz&r=%254&s=%41%25", NULL },
  { "https://e.com/a%zz.jpg#%zz", "https://e.com/a%25zz.jpg", NULL },
  { "example.com/a.jpg", NULL, "malformed" },
  { "", NULL, "malformed" },
};

static void
test_intake_normalize (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (normalize_cases); i++)
    {
      g_autofree char *reason = NULL;
      g_autofree char *normal = haul_intake_normalize_url (normalize_cases[i].input, &reason);

      g_test_message ("normalize %s", normalize_cases[i].input);
      g_assert_cmpstr (normal, ==, normalize_cases[i].normal);
      g_assert_cmpstr (reason, ==, normalize_cases[i].reason);

      /* The downloads are built from the normalised URL as it is. */
      if (normal != NULL)
        {
          g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, normal);
          g_autofree char *again = haul_intake_normalize_url (normal, NULL);

          g_assert_nonnull (msg);
          g_assert_cmpstr (again, ==, normal);
        }
    }
}

static void
test_intake_normalize_too_long (void)
{
  g_autoptr(GString) url = g_string_new ("https://e.com/");
  g_autofree char *reason = NULL;
  g_autofree char *normal = NULL;
  g_autofree char *fits = NULL;

  while (url->len < HAUL_INTAKE_MAX_URL_LENGTH)
    g_string_append_c (url, 'a');
  fits = haul_intake_normalize_url (url->str, NULL);
  g_assert_nonnull (fits);
  g_assert_cmpuint (strlen (fits), ==, HAUL_INTAKE_MAX_URL_LENGTH);

  g_string_append_c (url, 'a');
  normal = haul_intake_normalize_url (url->str, &reason);
  g_assert_null (normal);
  g_assert_cmpstr (reason, ==, "too long");
}

static void
test_intake_add_url (void)
{
  HaulIntake *intake = haul_intake_new ();
  HaulIntakeReject *reject;

  g_assert_true (haul_intake_add_url (intake, "https://e.com/a.jpg"));
  g_assert_true (haul_intake_add_url (intake, "https://E.com/a.jpg#top"));
  g_assert_true (haul_intake_add_url (intake, "https://e.com/[1-2].jpg"));
  g_assert_true (haul_intake_add_url (intake, " <https://e.com/1.jpg> "));
  g_assert_true (haul_intake_add_url (intake, "\"https://e.com/2.jpg\""));
  g_assert_false (haul_intake_add_url (intake, "ftp://e.com/a.jpg"));

  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (haul_intake_get_urls (intake), 0), ==, "https://e.com/a.jpg");
  g_assert_cmpstr (g_ptr_array_index (haul_intake_get_urls (intake), 2), ==, "https://e.com/2.jpg");

  g_assert_cmpuint (haul_intake_get_rejects (intake)->len, ==, 1);
  reject = g_ptr_array_index (haul_intake_get_rejects (intake), 0);
  g_assert_null (reject->source);
  g_assert_cmpuint (reject->line, ==, 0);
  g_assert_cmpstr (reject->text, ==, "ftp://e.com/a.jpg");
  g_assert_cmpstr (reject->reason, ==, "unsupported scheme “ftp”");

  g_assert_finalize_object (intake);
}

/* A URL cut short by a space is kept as far as it goes, and the line is
 * reported with what follows, so that the rest is not lost unseen. */
static void
test_intake_split_url (void)
{
  HaulIntake *intake = haul_intake_new ();
  g_autoptr(GError) error = NULL;
  HaulIntakeReject *reject;

  g_assert_true (haul_intake_add_text (intake, "# photos\nsee http://a.com/x y.png, thanks\n", -1,
                                       NULL, "list.txt", NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (haul_intake_get_urls (intake), 0), ==, "http://a.com/x");
  g_assert_cmpuint (haul_intake_get_rejects (intake)->len, ==, 1);
  reject = g_ptr_array_index (haul_intake_get_rejects (intake), 0);
  g_assert_cmpstr (reject->source, ==, "list.txt");
  g_assert_cmpuint (reject->line, ==, 2);
  g_assert_cmpstr (reject->text, ==, "http://a.com/x y.png");
  g_assert_cmpstr (reject->reason, ==, "not understood");

  g_assert_finalize_object (intake);
}

static void
test_intake_reject_cap (void)
{
  HaulIntake *intake = haul_intake_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  HaulIntakeReject *last;

  for (guint i = 0; i < HAUL_INTAKE_MAX_REJECTS + 500; i++)
    g_string_append_printf (text, "word%u\n", i);
  g_string_append (text, "https://e.com/kept.jpg\n");

  g_assert_true (haul_intake_add_text (intake, text->str, text->len, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  /* The first ones are kept to show, all are counted, and URLs after them still count. */
  g_assert_cmpuint (haul_intake_get_rejects (intake)->len, ==, HAUL_INTAKE_MAX_REJECTS);
  g_assert_cmpuint (haul_intake_get_n_rejects (intake), ==, HAUL_INTAKE_MAX_REJECTS + 500);
  last = g_ptr_array_index (haul_intake_get_rejects (intake), HAUL_INTAKE_MAX_REJECTS - 1);
  g_assert_cmpuint (last->line, ==, HAUL_INTAKE_MAX_REJECTS);
  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 1);

  g_assert_finalize_object (intake);
}

static void
test_intake_input_cap (void)
{
  HaulIntake *intake = haul_intake_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  HaulIntakeReject *reject;

  /* Ten patterns of 10,000 fit exactly; the eleventh goes over. */
  for (guint i = 0; i < 11; i++)
    g_string_append_printf (text, "https://e.com/%u/[00001-10000].jpg\n", i);

  g_assert_true (haul_intake_add_text (intake, text->str, text->len, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 100000);
  g_assert_cmpstr (g_ptr_array_index (haul_intake_get_urls (intake), 0), ==, "https://e.com/0/00001.jpg");
  g_assert_cmpuint (haul_intake_get_rejects (intake)->len, ==, 1);
  reject = g_ptr_array_index (haul_intake_get_rejects (intake), 0);
  g_assert_cmpuint (reject->line, ==, 11);
  g_assert_cmpstr (reject->reason, ==, "more than 100000 URLs from ranges in one input");

  /* The cap is per input: another text starts afresh. */
  g_assert_true (haul_intake_add_text (intake, "https://e.com/x/[1-5].jpg", -1, NULL, NULL, NULL, &error));
  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 100005);

  g_assert_finalize_object (intake);
}

static void
test_intake_utf16 (void)
{
  /* “# x\nhttps://e.com/ä.jpg\n” in UTF-16LE and UTF-16BE, with a BOM. */
  static const char le[] = "\xff\xfe#\0 \0x\0\n\0h\0t\0t\0p\0s\0:\0/\0/\0e\0.\0c\0o\0m\0/\0\xe4\0.\0j\0p\0g\0\n\0";
  static const char be[] = "\xfe\xff\0h\0t\0t\0p\0:\0/\0/\0e\0.\0c\0o\0m\0/\0b\0\n\0n\0o";
  HaulIntake *intake = haul_intake_new ();
  g_autoptr(GError) error = NULL;
  HaulIntakeReject *reject;

  g_assert_true (haul_intake_add_text (intake, le, sizeof le - 1, NULL, "le.txt", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (haul_intake_add_text (intake, be, sizeof be - 1, NULL, "be.txt", NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (haul_intake_get_urls (intake), 0), ==, "https://e.com/%C3%A4.jpg");
  g_assert_cmpstr (g_ptr_array_index (haul_intake_get_urls (intake), 1), ==, "http://e.com/b");
  g_assert_cmpuint (haul_intake_get_rejects (intake)->len, ==, 1);
  reject = g_ptr_array_index (haul_intake_get_rejects (intake), 0);
  g_assert_cmpuint (reject->line, ==, 2);
  g_assert_cmpstr (reject->text, ==, "no");

  g_assert_finalize_object (intake);
}

static void
test_intake_text_refused (void)
{
  HaulIntake *intake = haul_intake_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *big = g_malloc0 (HAUL_INTAKE_MAX_FILE_SIZE + 1);

  g_assert_false (haul_intake_add_text (intake, "https://e.com/a.jpg\0x", 21, NULL, "x.txt", NULL, &error));
  g_assert_error (error, HAUL_ERROR, HAUL_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "x.txt"));
  g_clear_error (&error);

  memset (big, 'a', HAUL_INTAKE_MAX_FILE_SIZE + 1);
  g_assert_false (haul_intake_add_text (intake, big, HAUL_INTAKE_MAX_FILE_SIZE + 1, NULL, NULL, NULL, &error));
  g_assert_error (error, HAUL_ERROR, HAUL_ERROR_INPUT);
  g_clear_error (&error);

  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 0);
  g_assert_cmpuint (haul_intake_get_rejects (intake)->len, ==, 0);
  g_assert_finalize_object (intake);
}

static GFile *
write_temp_file (const char *dir,
                 const char *name,
                 const char *contents,
                 gsize       length)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);

  return g_file_new_for_path (path);
}

static void
remove_temp_dir (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
test_intake_add_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("haul-intake-XXXXXX", NULL);
  g_autoptr(GFile) good = write_temp_file (dir, "urls.txt", "https://e.com/a.jpg\nnope\n", 25);
  g_autoptr(GFile) nul = write_temp_file (dir, "nul.txt", "https://e.com/a.jpg\n\0\n", 22);
  g_autoptr(GFile) missing = g_file_new_build_filename (dir, "missing.txt", NULL);
  g_autofree char *big_path = g_build_filename (dir, "big.txt", NULL);
  g_autoptr(GFile) big = g_file_new_for_path (big_path);
  HaulIntake *intake = haul_intake_new ();
  g_autoptr(GError) error = NULL;
  HaulIntakeReject *reject;
  FILE *f;

  /* Sparse, so the test writes nothing much. */
  f = fopen (big_path, "w");
  g_assert_nonnull (f);
  g_assert_cmpint (fseek (f, HAUL_INTAKE_MAX_FILE_SIZE, SEEK_SET), ==, 0);
  g_assert_cmpint (fputc ('x', f), ==, 'x');
  fclose (f);

  g_assert_true (haul_intake_add_file (intake, good, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 1);
  g_assert_cmpuint (haul_intake_get_rejects (intake)->len, ==, 1);
  reject = g_ptr_array_index (haul_intake_get_rejects (intake), 0);
  g_assert_cmpuint (reject->line, ==, 2);
  g_assert_true (g_str_has_suffix (reject->source, "urls.txt"));
  g_assert_cmpstr (reject->text, ==, "nope");
  g_assert_cmpstr (reject->reason, ==, "not understood");

  g_assert_false (haul_intake_add_file (intake, nul, NULL, &error));
  g_assert_error (error, HAUL_ERROR, HAUL_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "nul.txt"));
  g_clear_error (&error);

  g_assert_false (haul_intake_add_file (intake, big, NULL, &error));
  g_assert_error (error, HAUL_ERROR, HAUL_ERROR_INPUT);
  g_assert_nonnull (strstr (error->message, "big.txt"));
  g_assert_nonnull (strstr (error->message, "16 MiB"));
  g_clear_error (&error);

  g_assert_false (haul_intake_add_file (intake, missing, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 1);
  g_assert_cmpuint (haul_intake_get_rejects (intake)->len, ==, 1);
  g_assert_finalize_object (intake);

  remove_temp_dir (dir);
}

static void
load_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
timed_out (gpointer user_data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

static GAsyncResult *
wait_for_result (GAsyncResult **result)
{
  guint timeout = g_timeout_add_seconds (20, timed_out, NULL);

  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);

  return *result;
}

static void
test_intake_load_async (void)
{
  g_autofree char *dir = g_dir_make_tmp ("haul-intake-XXXXXX", NULL);
  GFile *files[3];
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  HaulIntake *intake;
  HaulIntakeReject *reject;

  files[0] = write_temp_file (dir, "a.txt", "https://e.com/1.jpg\nhttps://e.com/2.jpg\n", -1);
  files[1] = write_temp_file (dir, "bad.txt", "x\0y", 3);
  files[2] = write_temp_file (dir, "c.txt", "https://e.com/2.jpg\nhttps://e.com/3.jpg\n", -1);

  haul_intake_load_files_async (files, 3, NULL, load_done, &result);
  intake = haul_intake_load_files_finish (wait_for_result (&result), &error);
  g_assert_no_error (error);
  g_assert_true (HAUL_IS_INTAKE (intake));
  g_clear_object (&result);

  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (haul_intake_get_urls (intake), 2), ==, "https://e.com/3.jpg");
  g_assert_cmpuint (haul_intake_get_rejects (intake)->len, ==, 1);
  reject = g_ptr_array_index (haul_intake_get_rejects (intake), 0);
  g_assert_cmpuint (reject->line, ==, 0);
  g_assert_true (g_str_has_suffix (reject->source, "bad.txt"));
  g_assert_nonnull (strstr (reject->reason, "NUL"));
  g_assert_finalize_object (intake);

  /* When no file can be used at all, the load fails. */
  haul_intake_load_files_async (&files[1], 1, NULL, load_done, &result);
  intake = haul_intake_load_files_finish (wait_for_result (&result), &error);
  g_assert_error (error, HAUL_ERROR, HAUL_ERROR_INPUT);
  g_assert_null (intake);
  g_clear_object (&result);
  g_clear_error (&error);

  /* Cancelled before it starts. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();

    g_cancellable_cancel (cancellable);
    haul_intake_load_files_async (files, 3, cancellable, load_done, &result);
    intake = haul_intake_load_files_finish (wait_for_result (&result), &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (intake);
    g_clear_object (&result);
  }

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    g_object_unref (files[i]);
  remove_temp_dir (dir);
}

static void
test_intake_load_text_async (void)
{
  /* HTML as a browser drops it: parsed in a thread with its content type. */
  static const char html[] = "<p><img src=\"https://e.com/a.png\"> <img src=\"https://e.com/b.png\"></p>";
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  HaulIntake *intake;

  haul_intake_load_text_async (html, -1, "text/html", NULL, load_done, &result);
  intake = haul_intake_load_text_finish (wait_for_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (haul_intake_get_urls (intake), 1), ==, "https://e.com/b.png");
  g_assert_finalize_object (intake);

  /* The length is honoured, NUL bytes included, and binary text refused. */
  haul_intake_load_text_async ("https://e.com/1.jpg\0x", 21, NULL, NULL, load_done, &result);
  intake = haul_intake_load_text_finish (wait_for_result (&result), &error);
  g_assert_error (error, HAUL_ERROR, HAUL_ERROR_INPUT);
  g_assert_null (intake);
  g_clear_object (&result);
}

/* A saved or dropped page whose one tag has a million attributes costs
 * bounded time: libxml2 alone checks each against all before it. */
static void
test_intake_html_hostile (void)
{
  GString *html = g_string_new ("<html><body><img src=\"https://e.com/a.png\"");
  g_autoptr(HaulIntake) intake = haul_intake_new ();
  g_autoptr(GError) error = NULL;
  gint64 start;

  for (guint i = 0; i < 1000000; i++)
    g_string_append (html, " a=x");
  g_string_append (html, "><img src=\"https://e.com/b.png\"></body></html>");

  start = g_get_monotonic_time ();
  g_assert_true (haul_intake_add_text (intake, html->str, html->len, "text/html", NULL, NULL, &error));
  g_assert_no_error (error);
  /* Unbounded, this takes minutes. */
  g_assert_cmpfloat ((g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC, <, 20.0);
  g_string_free (html, TRUE);

  g_assert_cmpuint (haul_intake_get_urls (intake)->len, ==, 2);
}

/* A link dragged from Firefox: UTF-16, URL and title on alternate lines. */
static void
test_intake_moz_url (void)
{
  static const char utf8[] = "https://e.com/gallery\nHoliday Gallery\nhttps://e.com/b.png\nB";
  g_autoptr(HaulIntake) intake = haul_intake_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *utf16 = NULL;
  gsize length = 0;
  GPtrArray *urls;

  utf16 = g_convert (utf8, -1, "UTF-16LE", "UTF-8", NULL, &length, &error);
  g_assert_no_error (error);
  g_assert_true (haul_intake_add_text (intake, utf16, length, "text/x-moz-url", NULL, NULL, &error));
  g_assert_no_error (error);

  urls = haul_intake_get_urls (intake);
  g_assert_cmpuint (urls->len, ==, 2);
  g_assert_cmpstr (urls->pdata[0], ==, "https://e.com/gallery");
  g_assert_cmpstr (urls->pdata[1], ==, "https://e.com/b.png");
  g_assert_cmpuint (haul_intake_get_n_rejects (intake), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/intake/detect", test_intake_detect);
  g_test_add_func ("/intake/moz-url", test_intake_moz_url);
  g_test_add_func ("/intake/html-hostile", test_intake_html_hostile);
  g_test_add_func ("/intake/text", test_intake_text);
  g_test_add_func ("/intake/reject-text", test_intake_reject_text);
  g_test_add_func ("/intake/split-url", test_intake_split_url);
  g_test_add_func ("/intake/html", test_intake_html);
  g_test_add_func ("/intake/markdown", test_intake_markdown);
  g_test_add_func ("/intake/shortcuts", test_intake_shortcuts);
  g_test_add_func ("/intake/binary-webloc", test_intake_binary_webloc);
  g_test_add_func ("/intake/data", test_intake_data);
  g_test_add_func ("/intake/normalize", test_intake_normalize);
  g_test_add_func ("/intake/normalize/too-long", test_intake_normalize_too_long);
  g_test_add_func ("/intake/add-url", test_intake_add_url);
  g_test_add_func ("/intake/input-cap", test_intake_input_cap);
  g_test_add_func ("/intake/reject-cap", test_intake_reject_cap);
  g_test_add_func ("/intake/text-refused", test_intake_text_refused);
  g_test_add_func ("/intake/utf16", test_intake_utf16);
  g_test_add_func ("/intake/add-file", test_intake_add_file);
  g_test_add_func ("/intake/load-async", test_intake_load_async);
  g_test_add_func ("/intake/load-text-async", test_intake_load_text_async);

  return g_test_run ();
}
