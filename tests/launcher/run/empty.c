/* A shared library that does nothing: stands for an LD_PRELOAD the user already had. */
void ztrun_test_empty(void);

void ztrun_test_empty(void)
{
}
