/* A fixture written for kiln's Chrysalis importer test: a kernel without a testbench. */
int mac_only(int a, int b, int c)
{
    return a * b + c;
}
