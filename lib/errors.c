/*
 * errors — return codes to exit statuses.
 */
#include "errors.h"

int
ft_exit_status(int rc)
{
	if (rc >= 0)
		return FT_EXIT_OK;
	return rc == FT_ETEMP ? FT_EXIT_TEMPFAIL : FT_EXIT_FAIL;
}
