Feature: division
  Scenario: broken
    Given a number
   When
  Scenario Outline oops
