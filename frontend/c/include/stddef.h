/* kiln's stddef.h (LP64). */
#ifndef KILN_STDDEF_H
#define KILN_STDDEF_H
typedef unsigned long size_t;
typedef long ptrdiff_t;
typedef int wchar_t;
#define NULL ((void *)0)
#endif
