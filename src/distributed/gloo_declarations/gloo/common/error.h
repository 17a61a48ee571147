#pragma once  // see ../context.h
